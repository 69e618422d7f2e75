import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { InvalidRequestError, NotFoundError } from '../client/client-errors.ts';
import { deleteRetention, runRetention, setRetention } from '../client/retention.ts';
import { createCycleSchedule, deleteCycleSchedule } from '../client/schedules.ts';
import { retentionScheduleId } from '../workflows/retention-messages.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { aDatasetItem, aDatasetVersion, aFeedback, aPrediction } from './support/store-records.ts';

const DAY = 86_400_000;
let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers({ training: false });
});

afterAll(async () => {
  await harness?.close();
});

test('a retention pass deletes old traffic but what a dataset references, audits counts, and a schedule repeats it', {
  timeout: 180_000,
}, async () => {
  const model = 'spam-retention';
  const { store } = harness.deps;
  const now = Date.now();
  const old = Array.from({ length: 7 }, (_, i) =>
    aPrediction({ id: `old-${i}`, model, createdAt: now - 40 * DAY + i }),
  );
  const recent = [aPrediction({ id: 'recent', model, createdAt: now - DAY })];
  await store.predictions.insertMany([...old, ...recent]);
  await store.feedback.insertMany(
    [...old, ...recent].map((p) => aFeedback({ id: `f-${p.id}`, predictionId: p.id, model })),
  );
  const items = [aDatasetItem({ id: 'item-old-2', predictionId: 'old-2' })];
  await store.datasets.create(aDatasetVersion(items, { id: 'ds-retention', model }), items);

  await expect(runRetention(harness.client, model, { keepDays: 0 })).rejects.toThrow(InvalidRequestError);
  await expect(
    runRetention(harness.client, model, { keepDays: 2, cycleConfig: { review: { deadline: '3d' } } }),
  ).rejects.toThrow('keep at least 3 days');

  // Without a config given, the model's cycle schedule's config is the one retention must outlast.
  await createCycleSchedule(harness.client, model, {
    every: '1d',
    paused: true,
    cycleConfig: { review: { deadline: '40d', reminderAfter: '1d' } },
  });
  await expect(runRetention(harness.client, model, { keepDays: 30 })).rejects.toThrow(
    'review.deadline is 40d; keep at least 40 days',
  );
  await expect(setRetention(harness.client, model, { keepDays: 30 })).rejects.toThrow(InvalidRequestError);
  await deleteCycleSchedule(harness.client, model);
  expect(await store.predictions.count(model)).toBe(8);

  const result = await runRetention(harness.client, model, { keepDays: 30 });
  expect(result).toMatchObject({ predictions: 6, feedback: 6, kept: 1, audited: true });
  expect(await store.predictions.count(model)).toBe(2);
  expect(await store.predictions.get('old-2')).not.toBeNull();
  expect(await store.predictions.get('recent')).not.toBeNull();
  const [event] = await store.audit.list({ model, kind: 'retention-applied' });
  expect(event).toMatchObject({
    actor: 'cli',
    details: { keepDays: 30, cutoff: result.cutoff, predictions: 6, feedback: 6, kept: 1 },
  });

  // The schedule fires every second; each firing is one pass with its own audit line and deletes nothing more.
  expect(await setRetention(harness.client, model, { keepDays: 30, every: '1s' })).toEqual({
    scheduleId: retentionScheduleId(model),
    replaced: false,
  });
  expect((await setRetention(harness.client, model, { keepDays: 31, every: '1s' })).replaced).toBe(true);
  const deadline = Date.now() + 120_000;
  let scheduled = await store.audit.list({ model, kind: 'retention-applied' });
  while (!scheduled.some((e) => e.actor === 'schedule')) {
    if (Date.now() > deadline) throw new Error('the retention schedule never ran a pass');
    await sleep(250);
    scheduled = await store.audit.list({ model, kind: 'retention-applied' });
  }
  const fromSchedule = scheduled.find((e) => e.actor === 'schedule');
  expect(fromSchedule?.details).toMatchObject({ keepDays: 31, predictions: 0, feedback: 0, kept: 1 });
  expect(await store.predictions.count(model)).toBe(2);

  expect(await deleteRetention(harness.client, model)).toBe(retentionScheduleId(model));
  await expect(deleteRetention(harness.client, model)).rejects.toThrow(NotFoundError);
});
