/**
 * Capture ingest rate of the two stores, side by side in one run on one machine:
 * predictions.insertMany in batches (as the gateway's capture buffer flushes them), fresh store per run.
 *
 *   node bench/store-ingest.ts [--rows 100000] [--batch 500] [--runs 5] [--text-bytes 256] [--ceiling]
 *
 * With --ceiling it also measures what this machine's PostgreSQL takes for the same rows into a bare copy
 * of the table (no index, constraint, identity or generated column; the COPY path unchanged), with one
 * writer and with two writers side by side (the capture lock taken by neither): the most any capture
 * schema could ingest here, and the server backends' CPU time per row (all backends together). And the
 * table as it is, with one writer and with two, neither taking the capture lock: what letting writers
 * overlap would gain.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PREDICTIONS } from '../adapters/store/capture-tables.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { copyBatch } from '../adapters/store/postgres/copy-batch.ts';
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
    ceiling: { type: 'boolean', default: false },
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

/** Everything a capture reader needs taken off the predictions table: its indexes, keys, identity, generated column. */
const BARE_TABLE = `
  ALTER TABLE predictions DROP COLUMN text_length CASCADE;
  DROP INDEX predictions_by_user, predictions_by_model_seq, predictions_by_served_prediction;
  ALTER TABLE predictions DROP CONSTRAINT predictions_pkey, DROP CONSTRAINT predictions_id_key;
  ALTER TABLE predictions ALTER COLUMN seq DROP IDENTITY, ALTER COLUMN seq DROP NOT NULL`;

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times (null where getconf cannot say). */
const CLOCK_TICKS = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : null;
  } catch {
    return null;
  }
})();

/** A backend's CPU time so far in ms (utime + stime), when the server runs on this machine. */
function backendCpuMs(pid: number): number | null {
  if (CLOCK_TICKS === null) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

interface CeilingRun {
  rate: number;
  serverMicrosPerRow: number | null;
}

/**
 * The same batches by COPY, `writers` connections taking batches in turn, no capture lock: into a bare
 * copy of the table, or into the table as it is.
 */
async function lockFreeRate(
  url: string,
  table: 'bare' | 'as it is',
  writers: number,
  runIndex: number,
): Promise<CeilingRun> {
  await (await openPostgresStore(url)).close();
  const batches = capturedBatches(runIndex);
  const pool = new pg.Pool({ connectionString: url, max: writers });
  try {
    if (table === 'bare') await pool.query(BARE_TABLE);
    const clients = await Promise.all(Array.from({ length: writers }, () => pool.connect()));
    const pids: number[] = [];
    for (const client of clients)
      pids.push((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    for (const client of clients) client.release();
    const cpuBefore = pids.map(backendCpuMs);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        while (next < batches.length) {
          // Lock keys of their own: the writers never wait for each other.
          await copyBatch(pool, PREDICTIONS, [9_000_001, writer], batches[next++]!);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = pids.map(backendCpuMs);
    const stored = Number((await pool.query('SELECT count(*) AS n FROM predictions')).rows[0].n);
    if (stored !== rows) throw new Error(`expected ${rows} rows stored, found ${stored}`);
    const serverMs =
      cpuAfter.every((ms) => ms !== null) && cpuBefore.every((ms) => ms !== null)
        ? cpuAfter.reduce((sum, ms, i) => sum! + ms! - cpuBefore[i]!, 0)!
        : null;
    return { rate: rows / seconds, serverMicrosPerRow: serverMs === null ? null : (serverMs * 1000) / rows };
  } finally {
    await pool.end();
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
  const bareOne: CeilingRun[] = [];
  const bareTwo: CeilingRun[] = [];
  const unlockedOne: CeilingRun[] = [];
  const unlockedTwo: CeilingRun[] = [];
  // Alternate the two so a noisy neighbour on the machine hurts both alike.
  for (let run = 0; run < runs; run++) {
    embedded.push(await ingestRate(async () => openEmbeddedStore(join(dir, `run-${run}.db`)), run));
    server.push(await ingestRate(async () => openPostgresStore(await postgres.createDatabase()), run));
    if (values.ceiling) {
      bareOne.push(await lockFreeRate(await postgres.createDatabase(), 'bare', 1, run));
      bareTwo.push(await lockFreeRate(await postgres.createDatabase(), 'bare', 2, run));
      unlockedOne.push(await lockFreeRate(await postgres.createDatabase(), 'as it is', 1, run));
      unlockedTwo.push(await lockFreeRate(await postgres.createDatabase(), 'as it is', 2, run));
    }
  }
  const format = (rate: number) => Math.round(rate).toLocaleString('en-US').padStart(9);
  const line = (name: string, samples: number[]) =>
    `${name.padEnd(26)}${format(median(samples))} rows/s   (runs: ${samples.map((s) => Math.round(s)).join(', ')})`;

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
  const ceilingLine = (name: string, samples: CeilingRun[]) => {
    const cpu = samples.map((s) => s.serverMicrosPerRow);
    const cpuText = cpu.every((us) => us !== null)
      ? `   server CPU ${median(cpu as number[]).toFixed(1)} µs/row`
      : '';
    return `${line(
      name,
      samples.map((s) => s.rate),
    )}${cpuText}`;
  };
  if (values.ceiling) {
    console.log(ceilingLine('postgres bare, 1 writer', bareOne));
    console.log(ceilingLine('postgres bare, 2 writers', bareTwo));
    console.log(ceilingLine('table, no lock, 1 writer', unlockedOne));
    console.log(ceilingLine('table, no lock, 2 writers', unlockedTwo));
  }
  console.log(
    `${'embedded / postgres'.padEnd(26)}${(median(embedded) / median(server)).toFixed(2).padStart(9)}x`,
  );
} finally {
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
