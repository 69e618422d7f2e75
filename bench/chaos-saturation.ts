/**
 * The saturation row of the campaign: `flywheel gateway` in a process of its own (its event loop its
 * own, so it sheds on event-loop delay, default bound 100 ms, as deployed), every thread of it (the
 * capture writer's included) pinned to one cpu, and bench/gateway-load-generator.ts in another process
 * pinned to the other cpu, sending on raw sockets (bench/raw-http-load.ts). So the gateway has one core
 * and the generator one of its own: a closed loop (64 connections) measures what the gateway serves from
 * its core, then an open loop asks twice that for `saturationMs`, pipelined over 64 connections whatever
 * the answers do; the moment its last request is written, a closed loop measures how soon the gateway
 * answers 200 at its normal latency again, and a last probe what it serves after. The gateway's
 * in-flight bound is below the generator's connections. Counted: answers by status (and 503s without
 * Retry-After), sheds by reason (/metrics), served against captured (the store, after the gateway has
 * stopped and written what it held), and the gateway process's resident memory (sampled, and the
 * kernel's high-water mark). Where the machine cannot be pinned (canPin() false) the row still runs,
 * and its notes say that both share every core, so the overload is not twice the gateway's capacity.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL } from '../test/gateway/gateway-harness.ts';
import { era1Champion } from '../test/support/era-traffic.ts';
import type { ChaosRow, ChaosSettings } from './chaos-campaign.ts';
import { startGatewayProcess } from './chaos-gateway-process.ts';
import type { ChaosStack } from './chaos-stack.ts';
import { canPin, LAST_CPU, pinProcess, SERVING_CPU } from './cpu-pinning.ts';
import type { OverloadResult, RawBurst, RawBurstSpec, RawPhaseResult } from './gateway-load-generator.ts';

/** Requests of each capacity probe (closed loop over CONNECTIONS connections); a warm-up of a sixth first. */
const PROBE_REQUESTS = 3_000;
/** Capacity probes before the overload; the capacity is the best of them. */
const PROBES = 3;
/** The generator's connections, in every phase. */
const CONNECTIONS = 64;
/**
 * Requests open on each connection in the closed loops: one. Measured (10 s rows, two busy cores): with 2
 * or 4 pipelined per connection the gateway reads that many per turn of its loop, its loop runs over
 * 100 ms late and the probe itself is shed (1,327 and 2,534 × 503), so it measured 830/s and 495/s
 * where one per connection measured 3,196/s with 0 × 503.
 */
const PROBE_DEPTH = 1;
/** How long the overload's last answers may take after its last request was due. */
const ANSWERS_WITHIN_MS = 60_000;

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
  const pinned = canPin();
  if (pinned) {
    pinProcess(gateway.pid, SERVING_CPU);
    pinProcess(generator.pid!, LAST_CPU);
  }
  const burst = async <T>(spec: RawBurstSpec, firstMessage: number): Promise<T> => {
    const answer = next();
    generator.send({ ...spec, type: 'burst', url: gateway.address, firstMessage } as RawBurst);
    return (await answer) as T;
  };
  const probe = (firstMessage: number, requests = PROBE_REQUESTS) =>
    burst<RawPhaseResult>(
      { loop: 'raw-closed', requests, concurrency: CONNECTIONS, depth: PROBE_DEPTH },
      firstMessage,
    );
  try {
    const before = await stack.deps.store.predictions.count(MODEL);
    const warmUp = await probe(0, PROBE_REQUESTS / 6);
    // The best of three: other work on the machine can only take cpu from the gateway, never add it.
    const probes: Array<RawPhaseResult & { gatewayCpu: number }> = [];
    for (let i = 0; i < PROBES; i++) {
      const cpuBefore = gateway.cpuMs();
      const result = await probe(PROBE_REQUESTS / 6 + i * PROBE_REQUESTS);
      probes.push({ ...result, gatewayCpu: (gateway.cpuMs() - cpuBefore) / result.durationMs });
    }
    const rateOf = (phase: RawPhaseResult) => ok(phase) / (phase.durationMs / 1000);
    const capacityProbe = probes.reduce((best, p) => (rateOf(p) > rateOf(best) ? p : best));
    const capacity = rateOf(capacityProbe);
    const probeCpu = capacityProbe.gatewayCpu;
    const normalMs = percentile(capacityProbe.okLatenciesMs, 0.99);
    const rate = Math.max(1, Math.round(2 * capacity));
    const requests = Math.max(1, Math.round((rate * settings.saturationMs) / 1000));
    const rssBefore = gateway.memory().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, gateway.memory().rss);
    }, 100);
    // What the gateway itself holds open: shedding on in-flight starts when this reaches maxInFlight.
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
    const shedBefore = shedByReason(await (await fetch(`${gateway.address}/metrics`)).text());
    const gatewayCpuBefore = gateway.cpuMs();
    const { load, recovery } = await burst<OverloadResult>(
      {
        loop: 'overload',
        requests,
        rate,
        connections: CONNECTIONS,
        answersWithinMs: ANSWERS_WITHIN_MS,
        recovery: { requests: PROBE_REQUESTS, concurrency: CONNECTIONS, depth: PROBE_DEPTH, normalMs },
      },
      PROBE_REQUESTS / 6 + PROBES * PROBE_REQUESTS,
    );
    const gatewayCpu = (gateway.cpuMs() - gatewayCpuBefore) / load.durationMs;
    sampling = false;
    await inFlightSampler;
    clearInterval(sampler);
    const metrics = await (await fetch(`${gateway.address}/metrics`)).text();
    const shedAfter = shedByReason(metrics);
    const after = await probe(PROBE_REQUESTS / 6 + (PROBES + 1) * PROBE_REQUESTS + requests);
    const capacityAfter = rateOf(after);
    const threads = threadsOffCpu(gateway.pid, SERVING_CPU);
    const highWater = gateway.memory().peak;
    const exitCode = await gateway.stop(); // stopping writes every prediction taken
    const captured = (await stack.deps.store.predictions.count(MODEL)) - before;
    const phases = [warmUp, ...probes, load, recovery, after];
    const served = phases.reduce((sum, p) => sum + ok(p), 0);
    const shed = load.statuses['503'] ?? 0;
    const other = phases.reduce((sum, p) => sum + p.requests - ok(p) - (p.statuses['503'] ?? 0), 0);
    const withoutRetryAfter = phases.reduce((sum, p) => sum + p.shedWithoutRetryAfter, 0);
    const dropped = droppedOf(metrics);
    const shedBy = Object.entries(shedAfter)
      .map(([reason, n]) => `${reason} ${n - (shedBefore[reason] ?? 0)}`)
      .join(', ');
    const recoveryMs = recovery.firstNormalAt === null ? null : recovery.firstNormalAt - load.endedAt;
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const cores = pinned
      ? `gateway (all ${threads.all} threads) pinned to cpu ${SERVING_CPU}${threads.off > 0 ? ` (${threads.off} found off it at the end)` : ''}, generator to cpu ${LAST_CPU}`
      : 'NOT pinned (canPin() false): the generator shares every core with the gateway, so this is not twice what the gateway can serve';
    return {
      fault: pinned ? 'saturation 2×' : 'saturation "2×" (unpinned)',
      injected: 1,
      affected: load.requests,
      completed: ok(load) + shed,
      lost: Math.max(0, served - captured),
      duplicates: { datasets: 0, models: 0, audit: 0 },
      maxRecoveryMs: recoveryMs,
      notes:
        `${cores}; capacity ${Math.round(capacity)}/s (best of ${PROBES} closed loops: ${probes.map((p) => Math.round(rateOf(p))).join(', ')}/s; ${CONNECTIONS} connections, p99 ${Math.round(normalMs)} ms, ` +
        `${capacityProbe.statuses['503'] ?? 0} × 503 in it, the gateway's cpu ${percent(probeCpu)} of a core); ` +
        `asked ${rate}/s for ${seconds(settings.saturationMs)} s: the generator wrote ${load.written} requests at ${Math.round(load.writtenPerSecond)}/s ` +
        `(write lag p99 ${load.writeLagP99Ms.toFixed(1)} ms, max ${Math.round(load.writeLagMaxMs)} ms; its cpu ${percent(load.cpu)} of a core, ` +
        `${percent(load.cpuWait)} of the time waiting for it; most bytes the gateway left on its sockets ${load.mostUnsentBytes}); ` +
        `the gateway answered ${Math.round((ok(load) + shed) / (load.durationMs / 1000))}/s (200 + 503, its cpu ${percent(gatewayCpu)} of a core, ` +
        `so the rate asked was ${(rate / ((capacity * gatewayCpu) / probeCpu)).toFixed(1)}× what the probe served scaled to that share): ` +
        `${ok(load)} × 200 (${Math.round(rateOf(load))}/s, ${percent(ok(load) / load.requests)} of those asked; from due: median ${Math.round(percentile(load.okLatenciesMs, 0.5))} ms, p99 ${Math.round(percentile(load.okLatenciesMs, 0.99))} ms), ${shed} × 503 ` +
        `(gateway's shed counts over the overload and recovery: ${shedBy}; 503s without Retry-After, all phases: ${withoutRetryAfter}), ` +
        `${other} other answers in all phases; the last answer ${seconds(load.durationMs - settings.saturationMs)} s after the overload's end; ` +
        `served ${served} = captured ${captured} (all phases; capture drops ${dropped}); ` +
        `gateway RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} MiB sampled (kernel high-water mark ${mib(highWater)} MiB); ` +
        `most requests open in the gateway ${maxInFlight} (maxInFlight ${settings.saturationMaxInFlight}); ` +
        `recovery: first 200 within ${Math.round(normalMs)} ms ${recoveryMs === null ? 'never, in' : `${seconds(recoveryMs)} s after the overload's end, in`} a closed loop started then ` +
        `(${recovery.statuses['503'] ?? 0} × 503 in it); after: ${Math.round(capacityAfter)}/s, p99 ${Math.round(percentile(after.okLatenciesMs, 0.99))} ms, ` +
        `${after.statuses['503'] ?? 0} × 503; gateway exit code ${exitCode}`,
      extra: {
        served,
        captured,
        shed,
        other,
        withoutRetryAfter,
        dropped,
        maxInFlight,
        rssBefore,
        rssPeak,
        pinned: pinned ? 1 : 0,
        capacity,
        rate,
        written: load.written,
        gatewayCpu,
        probeCpu,
        exitCode: exitCode ?? -1,
      },
    };
  } finally {
    generator.disconnect();
    generator.kill();
    await gateway.stop();
  }
}

const percent = (share: number) => `${Math.round(100 * share)}%`;

const ok = (phase: RawPhaseResult) => phase.statuses['200'] ?? 0;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** The process's threads, and how many of them may run elsewhere than on `cpu`. */
function threadsOffCpu(pid: number, cpu: number): { all: number; off: number } {
  const tasks = readdirSync(`/proc/${pid}/task`);
  let off = 0;
  for (const task of tasks) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      if (/Cpus_allowed_list:\s+(\S+)/.exec(status)?.[1] !== String(cpu)) off++;
    } catch {
      // the thread ended
    }
  }
  return { all: tasks.length, off };
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
