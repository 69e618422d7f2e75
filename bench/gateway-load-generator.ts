/**
 * The load generator of bench/gateway.ts, run as a child process so that it does not share the gateway's
 * event loop. Sends predict requests with Node's built-in fetch (undici inside; its global agent keeps
 * connections alive) in two phases after a warm-up, and prints one JSON line of results:
 * - saturation: a closed loop of `concurrency` senders, each sending its next request when the previous
 *   answer arrives: the most the gateway can serve (throughput);
 * - fixed rate: an open loop sending `rate` requests per second whatever the answers do, latency measured
 *   from when each request was due (so a stalled gateway cannot hide its stall): latency under load.
 *
 *   node bench/gateway-load-generator.ts --url http://127.0.0.1:PORT [--requests 3000] [--concurrency 16]
 *                                        [--rate 200] [--rate-requests 2000] [--warmup 500]
 */
import { parseArgs } from 'node:util';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { MAX_TEXT_LENGTH } from '../gateway/request-schemas.ts';

export interface PhaseResult {
  requests: number;
  durationMs: number;
  /** Sorted ascending. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  /** CPU time of this process during the phase, as a share of one core. */
  cpu: number;
}

export interface LoadResult {
  warmup: PhaseResult;
  saturation: PhaseResult;
  fixedRate: PhaseResult;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string', default: 'spam' },
    warmup: { type: 'string', default: '500' },
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '200' },
    'rate-requests': { type: 'string', default: '2000' },
  },
});
const url = `${values.url}/v1/models/${values.model}/predict`;

const bodies = loadSpamAssassin({ groups: ['easy-ham-2', 'hard-ham-1', 'spam-2'] }).map((message, i) =>
  JSON.stringify({
    text: message.text.slice(0, MAX_TEXT_LENGTH),
    userKey: `user-${i % 5_000}`,
    metadata: { group: message.group },
  }),
);
let sent = 0;

async function predict(): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodies[sent++ % bodies.length],
  });
  await response.arrayBuffer();
  return response.status;
}

async function phase(
  count: number,
  run: (record: (i: number, status: number, latencyMs: number) => void) => Promise<void>,
): Promise<PhaseResult> {
  const latenciesMs: number[] = new Array(count);
  const statuses: Record<string, number> = {};
  const cpuBefore = process.cpuUsage();
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
  };
}

function closedLoop(count: number, concurrency: number): Promise<PhaseResult> {
  return phase(count, async (record) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          const start = performance.now();
          const status = await predict();
          record(i, status, performance.now() - start);
        }
      }),
    );
  });
}

function openLoop(count: number, ratePerSecond: number): Promise<PhaseResult> {
  return phase(count, async (record) => {
    const intervalMs = 1000 / ratePerSecond;
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(predict().then((status) => record(i, status, performance.now() - due)));
    }
    await Promise.all(inFlight);
  });
}

/** Tells the parent (over IPC, when there is one) that a phase starts or ends, and waits for its ack. */
async function mark(name: string): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) return;
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    send({ mark: name });
  });
}

const concurrency = Number(values.concurrency);
const warmup = await closedLoop(Number(values.warmup), concurrency);
await mark('saturation-start');
const saturation = await closedLoop(Number(values.requests), concurrency);
await mark('saturation-end');
const fixedRate = await openLoop(Number(values['rate-requests']), Number(values.rate));
const result: LoadResult = { warmup, saturation, fixedRate };
process.stdout.write(`${JSON.stringify(result)}\n`);
process.disconnect?.();
