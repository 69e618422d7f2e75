/**
 * A rollout step's analysis at production volume on the embedded store or PostgreSQL: loads N synthetic predictions
 * (a champion and a 25% canary, a shadow twin on a quarter of the champion's answers, feedback on 5% of
 * served answers, ~300-byte texts) for one model, then, each in a fresh process that opens the file, reads
 * one step's figures over the newest `--window` predictions (the default: all of them, at most 1M):
 *
 * - aggregated: `store.predictions.stepWindow`, as the rollout analysis activity calls it;
 * - loaded rows: the former way, every prediction of the window and its feedback loaded, then
 *   core/rollout's summarizeStepWindow (skip it with --no-loaded at high volume);
 *
 * and a monitor window over the same predictions (`store.predictions.servedWindow` of the champion, as
 * the monitor's check calls it), a cycle's edge-case collection over every loaded prediction
 * (bench/volume-collection.ts), then one retention pass deleting the oldest `--retain-delete` share of the
 * predictions (the retention activity itself, `applyRetention`, batch by batch through
 * `store.retention.deleteOlderThan`; last, since it deletes). Prints each time and the process's peak RSS growth over its RSS once
 * the store was open, and the load's ingest rate (time spent in insertMany only; PostgreSQL takes the
 * batches by COPY). A PostgreSQL load ends with VACUUM ANALYZE, as autovacuum would after a bulk load.
 *
 *   node bench/volume.ts [--store embedded|postgres] [--rows 1000000] [--window 1000000] [--runs 3] [--no-loaded]
 *                        [--retain-delete 0.1] [--collection-only] [--collection-also-with=--max-semi-space-size=16]
 *
 * The children run with the parent's Node flags (`node --max-semi-space-size=16 bench/volume.ts …`, or
 * NODE_OPTIONS): to measure a worker started with heap flags, start the bench with the same ones.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import type { ActivityDeps } from '../activities/deps.ts';
import { applyRetentionActivity } from '../activities/retention/apply-retention.ts';
import { createLogger } from '../adapters/log/logger.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { openPostgresStore } from '../adapters/store/postgres/postgres-store.ts';
import type { FlywheelStore, StepWindowQuery } from '../adapters/store/store.ts';
import type { FeedbackRecord, PredictionRecord } from '../core/capture/records.ts';
import { DEFAULT_SKETCH_POINTS } from '../core/drift/quantile-sketch.ts';
import { summarizeStepWindow } from '../core/rollout/step-window.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import {
  COLLECTION_WAY,
  type CollectionMeasured,
  collectionLine,
  measureCollectionInChild,
} from './volume-collection.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    window: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'no-loaded': { type: 'boolean', default: false },
    /** Measure the collection step alone (no rollout steps, monitor window or retention pass). */
    'collection-only': { type: 'boolean', default: false },
    /** Node flags to measure the collection step with too, on the same load: `--collection-also-with=--max-semi-space-size=16`. */
    'collection-also-with': { type: 'string' },
    /** The share of the oldest predictions the retention pass deletes (0: no pass). */
    'retain-delete': { type: 'string', default: '0.1' },
    store: { type: 'string', default: 'embedded' },
    // Internal: one measurement in a child process.
    measure: { type: 'string' },
    // A file path (embedded) or a postgres:// URL.
    path: { type: 'string' },
    query: { type: 'string' },
  },
});

const T0 = Date.UTC(2026, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The throwaway cluster keeps the tests' no-fsync settings (the load is not what is measured here) with a
 * server-sized buffer cache: PostgreSQL's default 128 MB holds less than a 1M window's covering index.
 */
const SERVER_SETTINGS = { shared_buffers: '1GB' };
const BATCH = 1_000;
const WORDS = [
  'free',
  'offer',
  'meeting',
  'invoice',
  'click',
  'schedule',
  'winner',
  'report',
  'urgent',
  'lunch',
];

/** One child measurement: open the store, note RSS, run one way of computing the figures, report. */
const openAt = async (path: string): Promise<FlywheelStore> =>
  /^postgres(ql)?:\/\//.test(path) ? openPostgresStore(path) : openEmbeddedStore(path);

async function measureInChild(way: string, path: string, query: StepWindowQuery): Promise<void> {
  const store = await openAt(path);
  const before = process.memoryUsage().rss;
  const started = performance.now();
  let figures: unknown;
  if (way === 'retention') {
    // The pass's "now" puts the cut-off (now − 1 day) at query.to: every prediction before it goes.
    const deps = { store, logger: createLogger('volume-retention', { level: 'warn' }) } as ActivityDeps;
    const { predictions, feedback, kept, batches } = await applyRetentionActivity(deps)({
      model: query.model,
      keepDays: 1,
      at: query.to + DAY_MS,
      actor: 'bench',
    });
    figures = { predictions, feedback, kept, batches };
  } else if (way === 'monitor') {
    figures = await store.predictions.servedWindow({
      model: query.model,
      version: query.championVersion,
      from: query.from,
      to: query.to,
      sketchPoints: DEFAULT_SKETCH_POINTS,
      sampleSize: 1_000,
    });
  } else if (way === 'aggregated') {
    figures = await store.predictions.stepWindow(query);
  } else {
    const ofThisRollout = (p: PredictionRecord) =>
      p.variant === 'champion'
        ? p.modelVersion === query.championVersion
        : p.modelVersion === query.candidateVersion;
    const rows = (await store.predictions.listBetween(query.model, query.from, query.to)).filter(
      ofThisRollout,
    );
    const served = rows.filter((p) => p.variant !== 'shadow').map((p) => p.id);
    const feedback = await store.feedback.listForPredictions(served);
    figures = summarizeStepWindow(query.mode, rows, feedback, ['spam', 'ham']);
  }
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  await store.close();
  process.stdout.write(JSON.stringify({ seconds, growthBytes: Math.max(0, peak - before), figures }));
}

/** Loads the rows; returns the seconds spent inside insertMany. */
async function load(path: string, rows: number): Promise<number> {
  const store = await openAt(path);
  let inserting = 0;
  let state = 42;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  // The same texts as joining after every word would give, without the quadratic joins (10M rows).
  const text = () => {
    const words: string[] = ['Subject:'];
    let length = words[0]!.length;
    while (length < 300) {
      const word = WORDS[Math.floor(next() * WORDS.length)]!;
      words.push(word);
      length += 1 + word.length;
    }
    return words.join(' ');
  };
  let made = 0;
  while (made < rows) {
    const predictions: PredictionRecord[] = [];
    const feedback: FeedbackRecord[] = [];
    while (predictions.length < BATCH && made < rows) {
      const i = made;
      const canary = next() < 0.25;
      const label = next() < 0.4 ? 'spam' : 'ham';
      const served: PredictionRecord = {
        id: `p-${i}`,
        model: 'spam',
        modelVersion: canary ? 'v2' : 'v1',
        variant: canary ? 'canary' : 'champion',
        text: text(),
        label,
        confidence: 0.5 + next() / 2,
        scores: { spam: 0.5, ham: 0.5 },
        userKey: `user-${i % 50_000}`,
        servedPredictionId: null,
        latencyMs: Math.round(next() ** 3 * 400) / 10,
        metadata: { group: 'easy-ham-2' },
        createdAt: T0 + i,
      };
      predictions.push(served);
      made++;
      if (!canary && next() < 0.25 && made < rows) {
        predictions.push({
          ...served,
          id: `s-${made}`,
          modelVersion: 'v2',
          variant: 'shadow',
          label: next() < 0.1 ? (label === 'spam' ? 'ham' : 'spam') : label,
          userKey: null,
          servedPredictionId: served.id,
          createdAt: T0 + made,
        });
        made++;
      }
      if (next() < 0.05) {
        feedback.push({
          id: `f-${i}`,
          predictionId: served.id,
          model: 'spam',
          kind: next() < 0.8 ? 'correct' : 'incorrect',
          label: null,
          userKey: served.userKey,
          fromPredictionUser: true,
          createdAt: served.createdAt + 1000,
        });
      }
    }
    const started = performance.now();
    await store.predictions.insertMany(predictions);
    await store.feedback.insertMany(feedback);
    inserting += performance.now() - started;
  }
  await store.close();
  return inserting / 1000;
}

interface Measured {
  seconds: number;
  growthBytes: number;
  figures: unknown;
}

async function measure(
  way: string,
  path: string,
  query: StepWindowQuery,
  nodeFlags: readonly string[] = [],
): Promise<Measured> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      // The parent's own Node flags (e.g. heap flags a worker is started with), as NODE_OPTIONS would.
      ...process.execArgv,
      ...nodeFlags,
      '--no-warnings',
      new URL(import.meta.url).pathname,
      '--measure',
      way,
      '--path',
      path,
      '--query',
      JSON.stringify(query),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Measured;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

if (values.measure === COLLECTION_WAY) {
  // The collection step lives in bench/volume-collection.ts.
  const store = await openAt(values.path!);
  const measured = await measureCollectionInChild(store);
  await store.close();
  process.stdout.write(JSON.stringify(measured));
} else if (values.measure) {
  await measureInChild(values.measure, values.path!, JSON.parse(values.query!) as StepWindowQuery);
} else {
  const rows = Number(values.rows);
  const window = Number(values.window ?? Math.min(rows, 1_000_000));
  const runs = Number(values.runs);
  const loadAtStart = loadavg()[0]!.toFixed(2);
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-volume-'));
  let postgres: ThrowawayPostgres | undefined;
  try {
    if (values.store !== 'embedded' && values.store !== 'postgres') {
      throw new Error(`--store is embedded or postgres, not "${values.store}"`);
    }
    postgres =
      values.store === 'postgres' ? await startThrowawayPostgres({ settings: SERVER_SETTINGS }) : undefined;
    const path = postgres ? await postgres.createDatabase() : join(dir, 'volume.db');
    const loadStarted = performance.now();
    const insertSeconds = await load(path, rows);
    if (postgres) {
      const pool = new pg.Pool({ connectionString: path });
      await pool.query('VACUUM ANALYZE predictions');
      await pool.query('VACUUM ANALYZE feedback');
      await pool.end();
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.error(`loaded ${rows} predictions in ${loadSeconds.toFixed(1)} s`);
    const collectionOnly = values['collection-only'];
    const ways = values['no-loaded'] ? ['aggregated'] : ['aggregated', 'loaded rows'];
    const lines: string[] = [];
    for (const mode of collectionOnly ? [] : (['canary', 'shadow'] as const)) {
      const query: StepWindowQuery = {
        model: 'spam',
        from: T0 + rows - window,
        to: T0 + rows,
        mode,
        championVersion: 'v1',
        candidateVersion: 'v2',
      };
      const results: Record<string, Measured[]> = Object.fromEntries(ways.map((way) => [way, []]));
      // Alternate the ways so a noisy neighbour on the machine hurts both alike.
      for (let run = 0; run < runs; run++) {
        for (const way of ways) results[way]!.push(await measure(way, path, query));
      }
      const [first, ...others] = Object.values(results).flat();
      for (const other of others) {
        if (JSON.stringify(other.figures) !== JSON.stringify(first!.figures)) {
          throw new Error(`the ways disagree on the ${mode} figures`);
        }
      }
      for (const way of ways) {
        const samples = results[way]!;
        lines.push(
          `${`${mode} step, ${way}`.padEnd(28)}${median(samples.map((s) => s.seconds))
            .toFixed(2)
            .padStart(7)} s` +
            `${(median(samples.map((s) => s.growthBytes)) / 2 ** 20).toFixed(0).padStart(8)} MB peak RSS growth` +
            `   (runs: ${samples.map((s) => s.seconds.toFixed(2)).join(', ')} s)`,
        );
      }
    }
    const monitorQuery: StepWindowQuery = {
      model: 'spam',
      from: T0 + rows - window,
      to: T0 + rows,
      mode: 'canary',
      championVersion: 'v1',
      candidateVersion: 'v2',
    };
    const monitored: Measured[] = [];
    for (let run = 0; run < (collectionOnly ? 0 : runs); run++) {
      monitored.push(await measure('monitor', path, monitorQuery));
    }
    if (!collectionOnly) {
      lines.push(
        `${'monitor window'.padEnd(28)}${median(monitored.map((s) => s.seconds))
          .toFixed(2)
          .padStart(7)} s` +
          `${(median(monitored.map((s) => s.growthBytes)) / 2 ** 20).toFixed(0).padStart(8)} MB peak RSS growth` +
          `   (runs: ${monitored.map((s) => s.seconds.toFixed(2)).join(', ')} s)`,
      );
    }
    // The collection step (bench/volume-collection.ts): every loaded prediction is new to the cycle.
    lines.push(
      await collectionLine(
        async (way) => (await measure(way, path, monitorQuery)) as unknown as CollectionMeasured,
        runs,
      ),
    );
    const alsoWith = values['collection-also-with']?.split(/\s+/).filter((flag) => flag.length > 0) ?? [];
    if (alsoWith.length > 0) {
      const line = await collectionLine(
        async (way) => (await measure(way, path, monitorQuery, alsoWith)) as unknown as CollectionMeasured,
        runs,
      );
      lines.push(line.replace('collection'.padEnd(28), `collection, ${alsoWith.join(' ')}`.padEnd(28)));
    }
    const retainDelete = Number(values['retain-delete']);
    if (retainDelete > 0 && !collectionOnly) {
      const doomed = Math.round(rows * retainDelete);
      const pass = await measure('retention', path, { ...monitorQuery, from: T0, to: T0 + doomed });
      const removed = pass.figures as { predictions: number; feedback: number; batches: number };
      lines.push(
        `${`retention pass (oldest ${Math.round(retainDelete * 100)}%)`.padEnd(28)}${pass.seconds.toFixed(2).padStart(7)} s` +
          `${(pass.growthBytes / 2 ** 20).toFixed(0).padStart(8)} MB peak RSS growth` +
          `   (${removed.predictions.toLocaleString('en-US')} predictions, ${removed.feedback.toLocaleString('en-US')} feedback deleted in ${removed.batches} batches: ` +
          `${Math.round(removed.predictions / pass.seconds).toLocaleString('en-US')} predictions/s)`,
      );
    }
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`,
    );
    console.log(`load average at start / end: ${loadAtStart} / ${loadavg()[0]!.toFixed(2)}`);
    console.log(
      `workload: ${rows.toLocaleString('en-US')} predictions in the ${values.store} store (loaded in ${loadSeconds.toFixed(0)} s), ` +
        `step window of the newest ${window.toLocaleString('en-US')}, ${runs} runs each in a fresh process, median`,
    );
    console.log(
      `ingest: ${Math.round(rows / insertSeconds).toLocaleString('en-US')} rows/s inside insertMany (batches of ${BATCH.toLocaleString('en-US')}, with their feedback)`,
    );
    console.log('');
    for (const line of lines) console.log(line);
  } finally {
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
