/**
 * What capture costs the gateway, measured side by side in one run: predict throughput and latency with
 * capture on (every prediction batched into the embedded store) and off, over real HTTP on loopback,
 * and whether every served prediction reached the store.
 *
 *   node bench/gateway.ts [--rounds 7] [--requests 3000] [--concurrency 16] [--rate 200]
 *                         [--rate-requests 2000] [--warmup 500] [--also-in-loop]
 *
 * "capture on" is what `runGateway` runs: the capture buffer hands batches to a writer thread with its
 * own store connection. `--also-in-loop` adds a third side, the store written on the gateway's event
 * loop (createGateway's default), to show what the thread buys.
 * The gateway runs in this process with a real model trained on SpamAssassin; the load generator
 * (bench/gateway-load-generator.ts) runs in a child process so the two do not share an event loop.
 * Throughput is measured at saturation (closed loop), latency at a fixed rate below it (open loop).
 * Each round runs both modes back to back (alternating which goes first) on fresh stores; the figures
 * are medians over rounds, and the on/off comparisons are medians of the per-round pairs, so that noise
 * from other processes on the machine hits both sides alike.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { createGateway, startGateway } from '../gateway/create-gateway.ts';
import { ThreadedPredictionSink } from '../gateway/threaded-prediction-sink.ts';
import { MODEL, registerVersion, trainedArtifact } from '../test/gateway/gateway-harness.ts';
import type { LoadResult, PhaseResult } from './gateway-load-generator.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '500' },
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '200' },
    'rate-requests': { type: 'string', default: '2000' },
    'also-in-loop': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);

type Mode = 'capture off' | 'capture on' | 'in-loop writes';

interface RunResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  served: number;
  captured: number;
  dropped: number;
  non200: number;
  /** Share of one core the gateway process (all its threads) used at saturation. */
  gatewayCpu: number;
  /** CPU time the gateway process (all its threads) spent per request at saturation. */
  cpuMsPerRequest: number;
  /**
   * CPU time of the gateway's main thread per request at saturation (the thread that answers; the
   * capture writer thread is not in it). With a spare core for the writer, this bounds throughput.
   */
  mainThreadMsPerRequest: number;
  loadCpu: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs the load generator; `marks` gets this process's CPU usage at each phase mark the child sends. */
interface Mark {
  cpu: NodeJS.CpuUsage;
  loop: NodeJS.CpuUsage;
}

function generateLoad(url: string, marks: Map<string, Mark>): Promise<LoadResult> {
  const flags = ['warmup', 'requests', 'concurrency', 'rate', 'rate-requests'] as const;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'gateway-load-generator.ts'),
        `--url=${url}`,
        `--model=${MODEL}`,
        ...flags.map((flag) => `--${flag}=${values[flag]}`),
      ],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    child.on('message', (message: { mark: string }) => {
      marks.set(message.mark, { cpu: process.cpuUsage(), loop: process.threadCpuUsage() });
      child.send('go');
    });
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(output) as LoadResult)
        : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

const ok = (phase: PhaseResult) => phase.statuses['200'] ?? 0;

async function measure(mode: Mode): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-bench-gateway-'));
  const store = openEmbeddedStore(join(dataDir, 'flywheel.db'));
  const flags = openEmbeddedFlags(dataDir);
  const artifacts = openFileArtifactStore(dataDir);
  try {
    await registerVersion(store, artifacts, 'v1', 1);
    await store.models.moveAlias({
      model: MODEL,
      alias: 'champion',
      versionId: 'v1',
      reason: 'bench',
      actor: 'bench',
      at: Date.now(),
    });
    const captureSink =
      mode === 'capture on' ? new ThreadedPredictionSink({ dataDir }, pino({ level: 'warn' })) : null;
    const gateway = createGateway({
      store,
      flags,
      artifacts,
      logger: pino({ level: 'warn' }),
      options: { captureEnabled: mode !== 'capture off', ...(captureSink ? { captureSink } : {}) },
    });
    const url = await startGateway(gateway, { port: 0, host: '127.0.0.1' });
    const marks = new Map<string, Mark>();
    const load = await generateLoad(url, marks);
    const end = marks.get('saturation-end')!;
    const start = marks.get('saturation-start')!;
    const saturationCpuMs = (end.cpu.user - start.cpu.user + end.cpu.system - start.cpu.system) / 1000;
    const mainThreadCpuMs = (end.loop.user - start.loop.user + end.loop.system - start.loop.system) / 1000;
    await gateway.close();
    await captureSink?.close();
    const stats = gateway.capture.stats();
    const phases = [load.warmup, load.saturation, load.fixedRate];
    return {
      requestsPerSecond: ok(load.saturation) / (load.saturation.durationMs / 1000),
      p50Ms: percentile(load.fixedRate.latenciesMs, 50),
      p99Ms: percentile(load.fixedRate.latenciesMs, 99),
      served: phases.reduce((n, phase) => n + ok(phase), 0),
      captured: await store.predictions.count(MODEL),
      dropped: stats.dropped.queue_full + stats.dropped.store_error + stats.dropped.closed,
      non200: phases.reduce((n, phase) => n + phase.requests - ok(phase), 0),
      gatewayCpu: saturationCpuMs / load.saturation.durationMs,
      cpuMsPerRequest: saturationCpuMs / ok(load.saturation),
      mainThreadMsPerRequest: mainThreadCpuMs / ok(load.saturation),
      loadCpu: load.saturation.cpu,
    };
  } finally {
    await flags.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const f = (n: number, digits = 2) => n.toFixed(digits);
const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}, ${process.platform}/${process.arch}; load average ${loadAverage()}`,
);
console.log(
  `load: real SpamAssassin mail (era 2) from a child process, Node fetch with keep-alive; per run ${values.warmup} warm-up, ` +
    `${values.requests} at saturation (${values.concurrency} in flight), ${values['rate-requests']} at ${values.rate} req/s; ${rounds} rounds`,
);
await trainedArtifact(1);
// One unrecorded run first: the first run in a process pays for JIT compilation of the gateway's code.
await measure('capture on');

const pairs: Array<Record<Mode, RunResult>> = [];
for (let round = 0; round < rounds; round++) {
  const modes: Mode[] = [
    'capture off',
    'capture on',
    ...(values['also-in-loop'] ? (['in-loop writes'] as const) : []),
  ];
  const order = round % 2 === 0 ? modes : [...modes].reverse();
  const pair = {} as Record<Mode, RunResult>;
  for (const mode of order) {
    const r = await measure(mode);
    pair[mode] = r;
    console.log(
      `  round ${round + 1} ${mode.padEnd(14)} ${f(r.requestsPerSecond, 0).padStart(5)} req/s  ` +
        `at ${values.rate} req/s: p50 ${f(r.p50Ms)} ms p99 ${f(r.p99Ms)} ms  served ${r.served} captured ${r.captured} ` +
        `dropped ${r.dropped}  at saturation: gateway cpu ${f(r.gatewayCpu * 100, 0)}% (${f(r.cpuMsPerRequest, 3)} ms/request, main thread ${f(r.mainThreadMsPerRequest, 3)} ms/request), load generator ${f(r.loadCpu * 100, 0)}%`,
    );
  }
  pairs.push(pair);
}

type Figure = 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuMsPerRequest' | 'mainThreadMsPerRequest';
const of = (mode: Mode, key: Figure) => median(pairs.map((p) => p[mode][key]));
const paired = (mode: Mode, compare: (on: RunResult, off: RunResult) => number) =>
  median(pairs.map((p) => compare(p[mode], p['capture off'])));
const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)}`;
const captureSides: Mode[] = values['also-in-loop'] ? ['capture on', 'in-loop writes'] : ['capture on'];

const ratioVsOff = (mode: Mode, key: 'requestsPerSecond' | 'cpuMsPerRequest' | 'mainThreadMsPerRequest') =>
  `×${f(
    paired(mode, (a, b) => a[key] / b[key]),
    3,
  )}`;
const addedVsOff = (mode: Mode, key: 'p50Ms' | 'p99Ms') => signed(paired(mode, (a, b) => a[key] - b[key]));
const columns = [
  ['req/s', (m: Mode) => f(of(m, 'requestsPerSecond'), 0), (m: Mode) => ratioVsOff(m, 'requestsPerSecond')],
  ['cpu ms/req', (m: Mode) => f(of(m, 'cpuMsPerRequest'), 3), (m: Mode) => ratioVsOff(m, 'cpuMsPerRequest')],
  [
    'main ms/req',
    (m: Mode) => f(of(m, 'mainThreadMsPerRequest'), 3),
    (m: Mode) => ratioVsOff(m, 'mainThreadMsPerRequest'),
  ],
  [`p50 ms @${values.rate}/s`, (m: Mode) => f(of(m, 'p50Ms')), (m: Mode) => addedVsOff(m, 'p50Ms')],
  [`p99 ms @${values.rate}/s`, (m: Mode) => f(of(m, 'p99Ms')), (m: Mode) => addedVsOff(m, 'p99Ms')],
] as const;

console.log('');
console.log(
  `medians of ${rounds} rounds; (vs off) = median over rounds of the pair (this side, capture off)`,
);
console.log(`${''.padEnd(15)}${columns.map(([name]) => name.padStart(24)).join('')}`);
for (const mode of ['capture off', ...captureSides] as Mode[]) {
  const cells = columns.map(([, value, vsOff]) =>
    `${value(mode)}${mode === 'capture off' ? '' : ` (${vsOff(mode)})`}`.padStart(24),
  );
  console.log(`${mode.padEnd(15)}${cells.join('')}`);
}
for (const mode of captureSides) {
  const served = pairs.reduce((n, p) => n + p[mode].served, 0);
  const captured = pairs.reduce((n, p) => n + p[mode].captured, 0);
  const dropped = pairs.reduce((n, p) => n + p[mode].dropped, 0);
  console.log(
    `${mode}, all rounds: served ${served}, captured ${captured}, lost ${served - captured}, dropped ${dropped}`,
  );
}
const non200 = pairs.reduce((n, p) => n + Object.values(p).reduce((m, r) => m + r.non200, 0), 0);
if (non200 > 0) console.log(`non-200 answers: ${non200}`);
console.log(`load average after: ${loadAverage()} (other processes on the machine make single runs noisy)`);

const ratio = paired('capture on', (a, b) => a.requestsPerSecond / b.requestsPerSecond);
const p99Added = paired('capture on', (a, b) => a.p99Ms - b.p99Ms);
const lost = pairs.reduce((n, p) => n + p['capture on'].served - p['capture on'].captured, 0);
const dropped = pairs.reduce((n, p) => n + p['capture on'].dropped, 0);
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
console.log('');
console.log(`target throughput on/off >= 0.95: ×${f(ratio, 3)} ${verdict(ratio >= 0.95)}`);
console.log(`target p99 added <= 1 ms:          ${signed(p99Added)} ms ${verdict(p99Added <= 1)}`);
console.log(
  `target 0 events lost:              ${lost} lost, ${dropped} dropped ${verdict(lost === 0 && dropped === 0)}`,
);
