/**
 * The load generator of bench/gateway.ts (and of the campaign's saturation row, whose phases run on raw
 * sockets: see RawBurstSpec), a child process of its own so that it shares no event loop
 * with a gateway. It sends real SpamAssassin mail (era 2) as predict requests with node:http over
 * kept-alive connections, one keep-alive pool per gateway. It shares the machine with the gateways,
 * so it is kept light: node:http costs about a third of the CPU per request that fetch does.
 *
 * Driven over IPC by its parent: each { type: 'burst', ... } runs one phase against one gateway and is
 * answered with its PhaseResult:
 * - closed loop (`concurrency` senders, each sending its next request when the previous answer
 *   arrives): the most the gateway can serve, i.e. throughput;
 * - open loop (`rate` requests per second whatever the answers do; latency measured from when each
 *   request was due, so a stalled gateway cannot hide its stall): latency under load.
 */
import { Agent, request } from 'node:http';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { MAX_TEXT_LENGTH } from '../gateway/request-schemas.ts';
import { MODEL } from '../test/gateway/gateway-harness.ts';
import { runQueueWaitMs } from './cpu-waits.ts';
import * as raw from './raw-http-load.ts';

export interface PhaseResult {
  requests: number;
  durationMs: number;
  /** Sorted ascending. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  /** CPU time of this process during the phase, as a share of one core. */
  cpu: number;
  /**
   * Share of the phase this process's main thread was ready to run but waited for its cpu (Linux
   * schedstat; 0 elsewhere): while it waits, it sends nothing, and the gateway may sit idle.
   */
  cpuWait: number;
}

/** One phase: a closed loop (throughput) or an open loop at a fixed rate (latency). */
export type BurstSpec =
  | { loop: 'closed'; requests: number; concurrency: number }
  | { loop: 'open'; requests: number; rate: number };
/**
 * `firstMessage`: where in the corpus the burst starts (it sends the messages from there on, in order,
 * wrapping around). Both bursts of a pair start at the same message: mail ranges from a line to 20 KB,
 * so two bursts of different mail would differ in cost before capture makes any difference.
 */
export type Burst = BurstSpec & { type: 'burst'; url: string; firstMessage: number };

/**
 * The saturation row's phases, on raw sockets (bench/raw-http-load.ts), cheap enough to ask a gateway on
 * one core for twice what it serves from one core of the sender's own:
 * - `raw-closed`: a closed loop over `concurrency` connections, `depth` requests open on each (capacity);
 * - `overload`: an open loop at `rate`, pipelined over `connections`; the moment its last request is
 *   written, a closed loop (`recovery`) starts on fresh connections beside the overload's unanswered tail,
 *   to find when the gateway answers 200 within `normalMs` again.
 */
export type RawBurstSpec =
  | { loop: 'raw-closed'; requests: number; concurrency: number; depth: number }
  | {
      loop: 'overload';
      requests: number;
      rate: number;
      connections: number;
      answersWithinMs: number;
      recovery: { requests: number; concurrency: number; depth: number; normalMs: number };
    };
export type RawBurst = RawBurstSpec & { type: 'burst'; url: string; firstMessage: number };

export interface RawPhaseResult extends PhaseResult {
  /** Latencies of the 200s, sorted ascending. */
  okLatenciesMs: number[];
  /** 503 answers that carried no Retry-After header. */
  shedWithoutRetryAfter: number;
  /** Wall-clock time (ms since the epoch) of the first 200 within the phase's `normalMs`; null: none or no bound. */
  firstNormalAt: number | null;
}
export interface OverloadResult {
  load: RawPhaseResult & {
    /** Wall-clock time (ms since the epoch) the last request was due: the end of the overload. */
    endedAt: number;
    /** Requests written, and how late after their due time (ms): p99 and max. */
    written: number;
    writtenPerSecond: number;
    writeLagP99Ms: number;
    writeLagMaxMs: number;
    /** Most bytes at once that the gateway had not taken off the sockets (beyond the kernel's queues). */
    mostUnsentBytes: number;
  };
  recovery: RawPhaseResult;
}

const bodies = loadSpamAssassin({ groups: ['easy-ham-2', 'hard-ham-1', 'spam-2'] }).map((message, i) =>
  JSON.stringify({
    text: message.text.slice(0, MAX_TEXT_LENGTH),
    userKey: `user-${i % 5_000}`,
    metadata: { group: message.group },
  }),
);
const agents = new Map<string, Agent>();

function predict(url: string, message: number): Promise<number> {
  const body = bodies[message % bodies.length]!;
  let agent = agents.get(url);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(url, agent);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/models/${MODEL}/predict`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function phase(
  count: number,
  run: (record: (i: number, status: number, latencyMs: number) => void) => Promise<void>,
): Promise<PhaseResult> {
  const latenciesMs: number[] = new Array(count);
  const statuses: Record<string, number> = {};
  const cpuBefore = process.cpuUsage();
  const waitBefore = runQueueWaitMs();
  const started = performance.now();
  await run((i, status, latencyMs) => {
    latenciesMs[i] = latencyMs;
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requests: count,
    durationMs,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    statuses,
    cpu: (cpu.user + cpu.system) / 1000 / durationMs,
    cpuWait: (runQueueWaitMs() - waitBefore) / durationMs,
  };
}

function closedLoop(url: string, first: number, count: number, concurrency: number): Promise<PhaseResult> {
  return phase(count, async (record) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          const start = performance.now();
          const status = await predict(url, first + i);
          record(i, status, performance.now() - start);
        }
      }),
    );
  });
}

function openLoop(url: string, first: number, count: number, ratePerSecond: number): Promise<PhaseResult> {
  return phase(count, async (record) => {
    const intervalMs = 1000 / ratePerSecond;
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(predict(url, first + i).then((status) => record(i, status, performance.now() - due)));
    }
    await Promise.all(inFlight);
  });
}

const PREDICT_PATH = `/v1/models/${MODEL}/predict`;
const encoded = new Map<string, Buffer[]>();
function encodedFor(url: string): Buffer[] {
  let requests = encoded.get(url);
  if (!requests) {
    requests = raw.encodeRequests(url, PREDICT_PATH, bodies);
    encoded.set(url, requests);
  }
  return requests;
}

const epoch = (at: number) => performance.timeOrigin + at;

/** A phase on raw sockets: `run` sends `count` requests and reports each answer to the recorder. */
async function rawPhase(
  count: number,
  normalMs: number | null,
  run: (record: raw.Recorder) => Promise<void>,
): Promise<RawPhaseResult> {
  const okLatenciesMs: number[] = [];
  let shedWithoutRetryAfter = 0;
  let firstNormalAt: number | null = null;
  const result = await phase(count, (record) =>
    run((i, answer, latencyMs, answeredAt) => {
      record(i, answer.status, latencyMs);
      if (answer.status === 200) {
        okLatenciesMs.push(latencyMs);
        if (normalMs !== null && latencyMs <= normalMs && firstNormalAt === null) {
          firstNormalAt = epoch(answeredAt);
        }
      }
      if (answer.status === 503 && !answer.retryAfter) shedWithoutRetryAfter++;
    }),
  );
  return {
    ...result,
    okLatenciesMs: okLatenciesMs.sort((a, b) => a - b),
    shedWithoutRetryAfter,
    firstNormalAt,
  };
}

async function rawClosedLoop(
  url: string,
  first: number,
  count: number,
  concurrency: number,
  depth: number,
  normalMs: number | null,
): Promise<RawPhaseResult> {
  const connections = await raw.openConnections(url, concurrency);
  try {
    return await rawPhase(count, normalMs, (record) =>
      raw.closedLoop(connections, encodedFor(url), first, count, depth, record),
    );
  } finally {
    await Promise.all(connections.map((connection) => connection.close()));
  }
}

async function overload(burst: RawBurst & { loop: 'overload' }): Promise<OverloadResult> {
  const connections = await raw.openConnections(burst.url, burst.connections);
  let recovery: Promise<RawPhaseResult> | null = null;
  let schedule: raw.Schedule | null = null;
  const load = await rawPhase(burst.requests, null, async (record) => {
    schedule = await raw.openLoop(
      connections,
      encodedFor(burst.url),
      burst.firstMessage,
      burst.requests,
      burst.rate,
      record,
      burst.answersWithinMs,
      () => {
        const { requests, concurrency, depth, normalMs } = burst.recovery;
        recovery = rawClosedLoop(
          burst.url,
          burst.firstMessage + burst.requests,
          requests,
          concurrency,
          depth,
          normalMs,
        );
      },
    );
  });
  const kept = schedule as raw.Schedule | null;
  if (!kept || !recovery) throw new Error('the overload ended without its schedule');
  const lags = kept.writeLagsMs;
  return {
    load: {
      ...load,
      endedAt: epoch(kept.endedAt),
      written: lags.length,
      writtenPerSecond: kept.writtenPerSecond,
      writeLagP99Ms: lags[Math.floor(lags.length * 0.99)] ?? 0,
      writeLagMaxMs: lags.at(-1) ?? 0,
      mostUnsentBytes: kept.mostUnsentBytes,
    },
    recovery: await recovery,
  };
}

process.on('message', async (burst: Burst | RawBurst) => {
  const result =
    burst.loop === 'closed'
      ? await closedLoop(burst.url, burst.firstMessage, burst.requests, burst.concurrency)
      : burst.loop === 'open'
        ? await openLoop(burst.url, burst.firstMessage, burst.requests, burst.rate)
        : burst.loop === 'raw-closed'
          ? await rawClosedLoop(
              burst.url,
              burst.firstMessage,
              burst.requests,
              burst.concurrency,
              burst.depth,
              null,
            )
          : await overload(burst);
  process.send!(result);
});
process.on('disconnect', () => {
  for (const agent of agents.values()) agent.destroy();
});
process.send!('ready');
