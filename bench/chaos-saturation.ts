/**
 * The saturation row of the campaign: bench/gateway-load-generator.ts (a process of its own, 64
 * kept-alive sockets) measures what the gateway serves in a closed loop, then sends twice that rate in
 * an open loop. The gateway runs with a bound below the generator's sockets, so shedding, not the
 * generator's pool, is what limits the requests in flight.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { MODEL } from '../test/gateway/gateway-harness.ts';
import { era1Champion } from '../test/support/era-traffic.ts';
import type { ChaosRow, ChaosSettings } from './chaos-campaign.ts';
import type { ChaosStack } from './chaos-stack.ts';
import type { Burst, BurstSpec, PhaseResult } from './gateway-load-generator.ts';

/** Requests of the capacity probe (closed loop, as many senders as the generator has sockets). */
const PROBE_REQUESTS = 600;

export async function saturate(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  if ((await stack.deps.store.models.alias(MODEL, 'champion')) === null) {
    await era1Champion(stack.deps, MODEL);
  }
  const gateway = await stack.replaceGateway({ maxInFlight: settings.saturationMaxInFlight });
  const generator = fork(join(import.meta.dirname, 'gateway-load-generator.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: Array<(message: unknown) => void> = [];
  generator.on('message', (message) => replies.shift()?.(message));
  const next = () => new Promise<unknown>((resolve) => replies.push(resolve));
  await next(); // ready
  const burst = async (spec: BurstSpec): Promise<PhaseResult> => {
    const answer = next();
    generator.send({ ...spec, type: 'burst', url: gateway.address, firstMessage: 0 } as Burst);
    return (await answer) as PhaseResult;
  };
  try {
    const before = await stack.deps.store.predictions.count(MODEL);
    const probe = await burst({ loop: 'closed', requests: PROBE_REQUESTS, concurrency: 64 });
    const capacity = (probe.statuses['200'] ?? 0) / (probe.durationMs / 1000);
    const rate = Math.max(1, Math.round(2 * capacity));
    const requests = Math.max(1, Math.round((rate * settings.saturationMs) / 1000));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    // What the gateway itself holds open: shedding starts when this reaches maxInFlight.
    let maxInFlight = 0;
    let sampling = true;
    const inFlightSampler = (async () => {
      while (sampling) {
        const text = await (await fetch(`${gateway.address}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('flywheel_gateway_requests_in_flight '));
        maxInFlight = Math.max(maxInFlight, Number(line?.split(' ')[1] ?? 0));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const load = await burst({ loop: 'open', requests, rate });
    sampling = false;
    await inFlightSampler;
    clearInterval(sampler);
    const sentRate = load.requests / (load.durationMs / 1000);
    const metrics = await (await fetch(`${gateway.address}/metrics`)).text();
    await stack.replaceGateway(); // closing flushes every prediction taken
    const captured = (await stack.deps.store.predictions.count(MODEL)) - before;
    const served = (probe.statuses['200'] ?? 0) + (load.statuses['200'] ?? 0);
    const shed = load.statuses['503'] ?? 0;
    const other = load.requests - (load.statuses['200'] ?? 0) - shed;
    const dropped = droppedOf(metrics);
    const p99 = load.latenciesMs[Math.floor(load.latenciesMs.length * 0.99)] ?? 0;
    return {
      fault: 'saturation 2×',
      injected: 1,
      affected: load.requests,
      completed: (load.statuses['200'] ?? 0) + shed,
      lost: Math.max(0, served - captured),
      duplicates: { datasets: 0, models: 0, audit: 0 },
      maxRecoveryMs: null,
      notes:
        `capacity ${Math.round(capacity)}/s (closed loop, 64 senders), asked ${rate}/s for ${Math.round(settings.saturationMs / 1000)} s ` +
        `(the generator sent ${Math.round(sentRate)}/s): ` +
        `${load.statuses['200'] ?? 0} × 200, ${shed} × 503 shed, ${other} other; served ${served} = captured ${captured}` +
        ` (capture drops ${dropped}); p99 ${Math.round(p99)} ms; bench process RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} MiB` +
        `; most requests open in the gateway ${maxInFlight} (maxInFlight ${settings.saturationMaxInFlight})`,
      extra: { served, captured, shed, other, dropped, maxInFlight },
    };
  } finally {
    generator.disconnect();
    generator.kill();
  }
}

function droppedOf(metrics: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('flywheel_gateway_capture_dropped_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
