/**
 * The saturation row of the campaign: `flywheel gateway` in a process of its own (its event loop its
 * own, so it sheds on event-loop delay, default bound 100 ms, as deployed), and
 * bench/gateway-load-generator.ts (another process, 64 kept-alive sockets) which measures what the
 * gateway serves in a closed loop, then sends twice that rate in an open loop for `saturationMs`. The
 * gateway's in-flight bound is below the generator's sockets. Counted: answers by status, sheds by
 * reason (/metrics), served against captured (the store, after the gateway has stopped and written
 * what it held), and the gateway process's resident memory (sampled, and the kernel's high-water mark).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { MODEL } from '../test/gateway/gateway-harness.ts';
import { era1Champion } from '../test/support/era-traffic.ts';
import type { ChaosRow, ChaosSettings } from './chaos-campaign.ts';
import { startGatewayProcess } from './chaos-gateway-process.ts';
import type { ChaosStack } from './chaos-stack.ts';
import type { Burst, BurstSpec, PhaseResult } from './gateway-load-generator.ts';

/** Requests of the capacity probe (closed loop, as many senders as the generator has sockets). */
const PROBE_REQUESTS = 600;

export async function saturate(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  if ((await stack.deps.store.models.alias(MODEL, 'champion')) === null) {
    await era1Champion(stack.deps, MODEL);
  }
  const gateway = await startGatewayProcess(stack.dataDir, {
    FLYWHEEL_GATEWAY_MAX_IN_FLIGHT: String(settings.saturationMaxInFlight),
    FLYWHEEL_LOG_LEVEL: 'error',
  });
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
    const rssBefore = gateway.memory().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, gateway.memory().rss);
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
    const highWater = gateway.memory().peak;
    const exitCode = await gateway.stop(); // stopping writes every prediction taken
    const captured = (await stack.deps.store.predictions.count(MODEL)) - before;
    const served = (probe.statuses['200'] ?? 0) + (load.statuses['200'] ?? 0);
    const shed = load.statuses['503'] ?? 0;
    const other = load.requests - (load.statuses['200'] ?? 0) - shed;
    const dropped = droppedOf(metrics);
    const shedBy = shedByReason(metrics);
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
        `${load.statuses['200'] ?? 0} × 200, ${shed} × 503 shed (${Object.entries(shedBy)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', ')}), ${other} other; served ${served} = captured ${captured}` +
        ` (capture drops ${dropped}); p99 ${Math.round(p99)} ms; gateway process RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} MiB sampled` +
        ` (kernel high-water mark ${mib(highWater)} MiB); most requests open in the gateway ${maxInFlight} (maxInFlight ${settings.saturationMaxInFlight}); gateway exit code ${exitCode}`,
      extra: { served, captured, shed, other, dropped, maxInFlight, rssPeak, exitCode: exitCode ?? -1 },
    };
  } finally {
    generator.disconnect();
    generator.kill();
    await gateway.stop();
  }
}

function droppedOf(metrics: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('flywheel_gateway_capture_dropped_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** flywheel_gateway_shed_total by reason. */
function shedByReason(metrics: string): Record<string, number> {
  const shed: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const match = /^flywheel_gateway_shed_total\{reason="([a-z_]+)"\} (\d+)/.exec(line);
    if (match) shed[match[1]!] = Number(match[2]);
  }
  return shed;
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
