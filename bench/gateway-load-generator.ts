/**
 * The load generator of bench/gateway.ts, run as a child process so that it does not share the gateway's
 * event loop: sends a fixed number of predict requests with Node's built-in fetch (undici inside, whose
 * global agent keeps connections alive: one per concurrent sender), at most `concurrency` in flight, and
 * prints one JSON line of results.
 *
 *   node bench/gateway-load-generator.ts --url http://127.0.0.1:PORT --requests 20000 --concurrency 16
 */
import { parseArgs } from 'node:util';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { MAX_TEXT_LENGTH } from '../gateway/request-schemas.ts';

export interface LoadResult {
  requests: number;
  durationMs: number;
  /** Sorted ascending. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  predictionIds: number;
  /** CPU time of this process during the run, as a share of one core. */
  cpu: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string', default: 'spam' },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const url = `${values.url}/v1/models/${values.model}/predict`;
const concurrency = Number(values.concurrency);

const bodies = loadSpamAssassin({ groups: ['easy-ham-2', 'hard-ham-1', 'spam-2'] }).map((message, i) =>
  JSON.stringify({
    text: message.text.slice(0, MAX_TEXT_LENGTH),
    userKey: `user-${i % 5_000}`,
    metadata: { group: message.group },
  }),
);

async function run(count: number, offset: number): Promise<LoadResult> {
  const latenciesMs: number[] = new Array(count);
  const statuses: Record<string, number> = {};
  const ids = new Set<string>();
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const sent = performance.now();
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[(offset + i) % bodies.length],
        });
        const answer = (await response.json()) as { predictionId?: string };
        latenciesMs[i] = performance.now() - sent;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (answer.predictionId) ids.add(answer.predictionId);
      }
    }),
  );
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requests: count,
    durationMs,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    statuses,
    predictionIds: ids.size,
    cpu: (cpu.user + cpu.system) / 1000 / durationMs,
  };
}

await run(Number(values.warmup), 0);
const result = await run(Number(values.requests), Number(values.warmup));
process.stdout.write(`${JSON.stringify(result)}\n`);
