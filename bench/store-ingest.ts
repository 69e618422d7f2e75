/**
 * Capture ingest rate of the two stores, side by side in one run on one machine:
 * predictions.insertMany in batches (as the gateway's capture buffer flushes them), fresh store per run.
 *
 *   node bench/store-ingest.ts [--rows 100000] [--batch 500] [--runs 5] [--text-bytes 256]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { openPostgresStore } from '../adapters/store/postgres/postgres-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import { startThrowawayPostgres } from '../test/support/postgres.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    runs: { type: 'string', default: '5' },
    'text-bytes': { type: 'string', default: '256' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values.batch);
const runs = Number(values.runs);
const textBytes = Number(values['text-bytes']);

// Commits wait for no disk flush in either store (SQLite WAL with synchronous=NORMAL; PostgreSQL with
// synchronous_commit=off), but both write and checkpoint their WAL to disk: a like-for-like durability.
const POSTGRES_SETTINGS = { fsync: 'on', synchronous_commit: 'off', full_page_writes: 'on' };

function capturedBatches(runIndex: number): PredictionRecord[][] {
  const text = 'Subject: re: your account '.padEnd(textBytes, 'lorem ipsum dolor sit amet ');
  const batches: PredictionRecord[][] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const batch: PredictionRecord[] = [];
    for (let index = start; index < Math.min(rows, start + batchSize); index++) {
      batch.push({
        id: `run${runIndex}-${index}-${(index * 2654435761) % 4294967296}`,
        model: 'spam',
        modelVersion: 'mv-1',
        variant: index % 10 === 0 ? 'canary' : 'champion',
        text,
        label: index % 3 === 0 ? 'spam' : 'ham',
        confidence: 0.5 + (index % 50) / 100,
        scores: { ham: 0.7, spam: 0.3 },
        userKey: `user-${index % 5000}`,
        servedPredictionId: null,
        latencyMs: 0.8,
        metadata: { group: 'easy-ham-2' },
        createdAt: Date.now(),
      });
    }
    batches.push(batch);
  }
  return batches;
}

async function ingestRate(openFresh: () => Promise<FlywheelStore>, runIndex: number): Promise<number> {
  const batches = capturedBatches(runIndex);
  const store = await openFresh();
  try {
    const started = performance.now();
    for (const batch of batches) await store.predictions.insertMany(batch);
    const seconds = (performance.now() - started) / 1000;
    const stored = await store.predictions.count();
    if (stored !== rows) throw new Error(`expected ${rows} rows stored, found ${stored}`);
    return rows / seconds;
  } finally {
    await store.close();
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const loadAtStart = loadavg()[0]!.toFixed(2);
const dir = mkdtempSync(join(tmpdir(), 'flywheel-bench-'));
const postgres = await startThrowawayPostgres({ settings: POSTGRES_SETTINGS });
try {
  const embedded: number[] = [];
  const server: number[] = [];
  // Alternate the two so a noisy neighbour on the machine hurts both alike.
  for (let run = 0; run < runs; run++) {
    embedded.push(await ingestRate(async () => openEmbeddedStore(join(dir, `run-${run}.db`)), run));
    server.push(await ingestRate(async () => openPostgresStore(await postgres.createDatabase()), run));
  }
  const format = (rate: number) => Math.round(rate).toLocaleString('en-US').padStart(9);
  const line = (name: string, samples: number[]) =>
    `${name.padEnd(22)}${format(median(samples))} rows/s   (runs: ${samples.map((s) => Math.round(s)).join(', ')})`;

  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
  );
  // Other work on the machine moves these figures a lot; the load says how quiet it was.
  console.log(`load average at start / end: ${loadAtStart} / ${loadavg()[0]!.toFixed(2)}`);
  console.log(
    `workload: ${rows.toLocaleString('en-US')} predictions in batches of ${batchSize}, text ${textBytes} bytes, ${runs} runs each, median`,
  );
  console.log(
    `postgres: throwaway local cluster over TCP 127.0.0.1, ${Object.entries(POSTGRES_SETTINGS)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  console.log('');
  console.log(line('embedded (node:sqlite)', embedded));
  console.log(line('postgres (pg, COPY)', server));
  console.log(
    `${'embedded / postgres'.padEnd(22)}${(median(embedded) / median(server)).toFixed(2).padStart(9)}x`,
  );
} finally {
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
