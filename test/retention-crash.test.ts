import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RetentionProgress } from '../activities/retention/contracts.ts';
import { openPostgresStore } from '../adapters/store/postgres/postgres-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { retention } from '../workflows/retention.ts';
import type { RetentionInput, RetentionResult } from '../workflows/retention-messages.ts';
import { devServerEnv, spawnCli } from './support/cli-process.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { aDatasetItem, aDatasetVersion, aFeedback, aPrediction } from './support/store-records.ts';

const DAY = 86_400_000;
const BATCH = 10;
let harness: FlywheelHarness;
let postgres: ThrowawayPostgres;
let store: FlywheelStore;
const children: ChildProcess[] = [];
/** What the worker processes printed, shown when the test fails. */
const output: string[] = [];

beforeAll(async () => {
  // No worker in this process: the pass runs only in `flywheel worker` processes, the one killed included.
  harness = await flywheelHarness();
  postgres = await startThrowawayPostgres();
  store = await openPostgresStore(postgres.url);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store?.close();
  await postgres?.stop();
  await harness?.close();
});

function worker(): ChildProcess {
  const child = spawnCli(['worker', '--no-training', '--task-queue', harness.taskQueue], {
    ...devServerEnv(),
    FLYWHEEL_DATA_DIR: harness.dataDir,
    FLYWHEEL_DATABASE_URL: postgres.url,
  });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.once('exit', (code, signal) => output.push(`worker exited: ${code ?? signal}\n`));
  return child;
}

test('a retention pass whose worker is killed mid-pass resumes on another worker, finishes, and keeps what a dataset references', {
  timeout: 600_000,
}, async () => {
  const model = 'spam-retention-crash';
  const now = Date.now();
  // 60 old predictions (6 batches of 10 in creation order), one in three referenced by a dataset; 2 recent.
  const old = Array.from({ length: 60 }, (_, i) =>
    aPrediction({ id: `old-${i}`, model, createdAt: now - 40 * DAY + i * 1_000 }),
  );
  const recent = [0, 1].map((i) => aPrediction({ id: `recent-${i}`, model, createdAt: now - DAY + i }));
  await store.predictions.insertMany([...old, ...recent]);
  await store.feedback.insertMany(
    [...old, ...recent].map((p) => aFeedback({ id: `f-${p.id}`, predictionId: p.id, model })),
  );
  const referenced = old.filter((_, i) => i % 3 === 1).map((p) => p.id);
  const items = referenced.map((id) =>
    aDatasetItem({ id: `item-${id}`, text: `text of ${id}`, predictionId: id }),
  );
  await store.datasets.create(aDatasetVersion(items, { id: 'ds-retention-crash', model }), items);

  // The pass is held by construction: this transaction locks the first prediction of the third batch, so
  // the worker finishes two batches, heartbeats, and then waits on the lock until it is killed.
  const holder = new pg.Client({ connectionString: postgres.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT id FROM predictions WHERE id = $1 FOR UPDATE', [`old-${2 * BATCH}`]);

  const first = worker();
  const input: RetentionInput = { model, keepDays: 30, actor: 'cli', batch: BATCH };
  const handle = await harness.client.temporal.workflow.start(retention, {
    taskQueue: harness.taskQueue,
    workflowId: `flywheel-retention-${model}-crash-${now}`,
    args: [input],
  });

  // Wait until the server holds a heartbeat of the pass, then kill -9 the worker that runs it.
  let killedAt: RetentionProgress | undefined;
  await expect
    .poll(
      async () => {
        const description = await handle.describe();
        const pending = description.raw.pendingActivities?.find(
          (a) => a.activityType?.name === 'applyRetention',
        );
        const payload = pending?.heartbeatDetails?.payloads?.[0];
        if (!payload?.data) return 0;
        killedAt = JSON.parse(Buffer.from(payload.data).toString('utf8')) as RetentionProgress;
        return killedAt.batches;
      },
      // A hang guard: on a loaded machine the worker process can take a minute to start.
      { timeout: 240_000, interval: 200, message: 'no heartbeat of the pass' },
    )
    .toBeGreaterThanOrEqual(1)
    .catch(async (error) => {
      const pending = JSON.stringify((await handle.describe()).raw.pendingActivities);
      throw new Error(`${error}; pending: ${pending}; worker output:\n${output.join('').slice(-3000)}`);
    });
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  await holder.query('COMMIT');
  await holder.end();

  // Half-way: the killed attempt deleted at most its two batches; the third was never examined.
  const left = await store.predictions.count(model);
  expect(left).toBeGreaterThanOrEqual(old.length + recent.length - 2 * BATCH);
  expect(await store.predictions.get(`old-${2 * BATCH}`)).not.toBeNull();
  expect(killedAt!.batches).toBeLessThanOrEqual(2);

  worker();
  const result = (await handle.result().catch((error) => {
    throw new Error(`retention failed; worker output:\n${output.join('').slice(-3000)}`, { cause: error });
  })) as RetentionResult;

  // Every old prediction no dataset references is gone with its feedback; the referenced and recent stay.
  const kept = [...referenced, ...recent.map((p) => p.id)].sort();
  const remaining = await store.predictions.listAfter(model, 0, 1_000);
  expect(remaining.map((p) => p.id).sort()).toEqual(kept);
  expect(
    (await store.feedback.listForPredictions(old.map((p) => p.id))).map((f) => f.predictionId).sort(),
  ).toEqual([...referenced].sort());
  // The retry went on from the heartbeated counts: what it deleted itself comes on top of them.
  expect(result.predictions).toBe(killedAt!.predictions + (left - remaining.length));
  expect(result.batches).toBeGreaterThan(killedAt!.batches);
  expect(output.join('')).toContain('resuming retention pass');
  const events = await store.audit.list({ model, kind: 'retention-applied' });
  expect(events).toHaveLength(1);
  expect(events[0]?.details).toMatchObject({ predictions: result.predictions, kept: result.kept });
});
