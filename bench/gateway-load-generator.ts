/**
 * The load generator of bench/gateway.ts, a child process of its own so that it shares no event loop
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

process.on('message', async (burst: Burst) => {
  const result =
    burst.loop === 'closed'
      ? await closedLoop(burst.url, burst.firstMessage, burst.requests, burst.concurrency)
      : await openLoop(burst.url, burst.firstMessage, burst.requests, burst.rate);
  process.send!(result);
});
process.on('disconnect', () => {
  for (const agent of agents.values()) agent.destroy();
});
process.send!('ready');
