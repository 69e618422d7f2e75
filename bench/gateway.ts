/**
 * What capture costs the gateway, measured side by side in one run: predict throughput and latency with
 * capture on (every prediction batched into the embedded store) and off, over real HTTP on loopback,
 * and whether every served prediction reached the store.
 *
 *   node bench/gateway.ts [--requests 10000] [--warmup 1000] [--concurrency 16] [--rounds 5]
 *
 * The gateway runs in this process; the load generator (bench/gateway-load-generator.ts) runs in a child
 * process so the two do not share an event loop. Rounds alternate the order of the two modes; each run
 * gets a fresh store. Figures are medians over rounds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { createGateway, startGateway } from '../gateway/create-gateway.ts';
import { MODEL, registerVersion, trainedArtifact } from '../test/gateway/gateway-harness.ts';
import type { LoadResult } from './gateway-load-generator.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '5' },
  },
});
const rounds = Number(values.rounds);

type Mode = 'capture off' | 'capture on';

interface RunResult {
  mode: Mode;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  served: number;
  captured: number;
  dropped: number;
  non200: number;
  gatewayCpu: number;
  loadCpu: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function generateLoad(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'gateway-load-generator.ts'),
        `--url=${url}`,
        `--model=${MODEL}`,
        `--requests=${values.requests}`,
        `--warmup=${values.warmup}`,
        `--concurrency=${values.concurrency}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
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
    const gateway = createGateway({
      store,
      flags,
      artifacts,

      logger: pino({ level: 'warn' }),
      options: { captureEnabled: mode === 'capture on' },
    });
    const url = await startGateway(gateway, { port: 0, host: '127.0.0.1' });
    const cpuBefore = process.cpuUsage();
    const load = await generateLoad(url);
    const cpu = process.cpuUsage(cpuBefore);
    await gateway.close();
    const ok = load.statuses['200'] ?? 0;
    const stats = gateway.capture.stats();
    return {
      mode,
      requestsPerSecond: load.requests / (load.durationMs / 1000),
      p50Ms: percentile(load.latenciesMs, 50),
      p99Ms: percentile(load.latenciesMs, 99),
      served: ok + Number(values.warmup),
      captured: await store.predictions.count(MODEL),
      dropped: stats.dropped.queue_full + stats.dropped.store_error + stats.dropped.closed,
      non200: load.requests - ok,
      gatewayCpu: (cpu.user + cpu.system) / 1000 / load.durationMs,
      loadCpu: load.cpu,
    };
  } finally {
    await flags.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const f = (n: number, digits = 2) => n.toFixed(digits);

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}, ${process.platform}/${process.arch}`,
);
console.log(
  `load: ${values.requests} predict requests (+${values.warmup} warm-up) per run, ${values.concurrency} in flight, ` +
    `real SpamAssassin mail (era 2), Node fetch keep-alive from a child process; ${rounds} rounds, medians`,
);
await trainedArtifact(1);

const results: RunResult[] = [];
for (let round = 0; round < rounds; round++) {
  const order: Mode[] = round % 2 === 0 ? ['capture off', 'capture on'] : ['capture on', 'capture off'];
  for (const mode of order) {
    const result = await measure(mode);
    results.push(result);
    console.log(
      `  round ${round + 1} ${mode.padEnd(11)} ${f(result.requestsPerSecond, 0).padStart(6)} req/s  p50 ${f(result.p50Ms)} ms  p99 ${f(result.p99Ms)} ms  ` +
        `served ${result.served}  captured ${result.captured}  dropped ${result.dropped}  cpu: gateway ${f(result.gatewayCpu * 100, 0)}% load ${f(result.loadCpu * 100, 0)}%`,
    );
  }
}

const summary = (mode: Mode) => {
  const runs = results.filter((r) => r.mode === mode);
  return {
    rps: median(runs.map((r) => r.requestsPerSecond)),
    p50: median(runs.map((r) => r.p50Ms)),
    p99: median(runs.map((r) => r.p99Ms)),
    served: runs.reduce((n, r) => n + r.served, 0),
    captured: runs.reduce((n, r) => n + r.captured, 0),
    dropped: runs.reduce((n, r) => n + r.dropped, 0),
    non200: runs.reduce((n, r) => n + r.non200, 0),
  };
};
const off = summary('capture off');
const on = summary('capture on');
const ratio = on.rps / off.rps;
const p99Added = on.p99 - off.p99;
const lost = on.served - on.captured;

console.log('');
console.log('                 capture off   capture on   on/off');
console.log(`throughput req/s ${f(off.rps, 0).padStart(11)} ${f(on.rps, 0).padStart(12)}   ${f(ratio, 3)}`);
console.log(
  `p50 latency ms   ${f(off.p50).padStart(11)} ${f(on.p50).padStart(12)}   ${f(on.p50 - off.p50)} added`,
);
console.log(`p99 latency ms   ${f(off.p99).padStart(11)} ${f(on.p99).padStart(12)}   ${f(p99Added)} added`);
console.log(
  `served / captured (all capture-on runs): ${on.served} / ${on.captured}, lost ${lost}, dropped ${on.dropped}`,
);
if (off.non200 + on.non200 > 0) console.log(`non-200 answers: ${off.non200 + on.non200}`);
console.log('');
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log(`target throughput on/off >= 0.95: ${f(ratio, 3)} ${verdict(ratio >= 0.95)}`);
console.log(`target p99 added <= 1 ms:          ${f(p99Added)} ms ${verdict(p99Added <= 1)}`);
console.log(`target 0 events lost:              ${lost} ${verdict(lost === 0 && on.dropped === 0)}`);
