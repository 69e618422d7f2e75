import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { accuracyOf, captureTraffic, era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

test('a cycle on captured era-2 traffic and feedback blesses a candidate that beats the era-1 champion on era 2', async () => {
  const model = 'spam-cycle';
  const { traffic, holdout } = era2();
  const champion = await era1Champion(harness.deps, model);
  const captured = await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: traffic,
    feedbackShare: 0.5,
    wrongFeedbackShare: 0.05,
    seed: 1,
  });
  expect(captured.mistakes).toBeGreaterThan(50);

  // This test is about the cycle up to the gate; the rollout it would start is tested in test/rollout*.
  const started = await harness.client.startCycle(model, {
    // Auto labels only: items for human review would hold the cycle (test/review.test.ts covers review).
    config: {
      training: { taskQueue: harness.trainingTaskQueue },
      mining: { labelBudget: 0 },
      rollout: { startAfterBlessing: false },
    },
  });
  expect(started.number).toBe(1);
  const handle = harness.client.temporal.workflow.getHandle(started.workflowId);
  const result = (await handle.result()) as CycleStatus;
  await recordHistory(handle, 'cycle-blessed');

  expect(result.outcome, result.reasons.join('; ')).toBe('blessed');
  expect(result.mined?.byReason['negative-feedback']).toBeGreaterThan(0);
  expect(result.labels?.auto).toBeGreaterThan(0);
  const candidateAccuracy = await accuracyOf(harness.deps, result.candidateVersion!, holdout);
  const championAccuracy = await accuracyOf(harness.deps, champion.versionId, holdout);
  expect(candidateAccuracy).toBeGreaterThan(championAccuracy);

  // Lineage: the new dataset's parent is the champion's, and its new labels name this cycle and their rule.
  const dataset = await harness.deps.store.datasets.get(result.datasetId!);
  expect(dataset?.parentId).toBe(champion.datasetId);
  const added = (await harness.deps.store.datasets.items(result.datasetId!)).filter(
    (item) => item.source.cycle === 1,
  );
  expect(added.length).toBe(result.labels!.auto + result.labels!.human);
  expect(added.every((item) => item.source.kind === 'auto' && item.source.by.startsWith('rule:'))).toBe(true);
  expect(added.some((item) => item.split === 'golden')).toBe(true);

  // The report and the blessing are in the registry; the cycle record holds the watermark it mined to.
  const report = await harness.deps.store.reports.get(result.reportId!);
  expect(report?.passed).toBe(true);
  expect((await harness.deps.store.models.get(result.candidateVersion!))?.blessedBy).toBe(result.reportId);
  expect(await harness.deps.store.cycles.lastWatermark(model)).toEqual(result.to);

  // The next cycle starts after that watermark: nothing new was captured, so it has nothing to learn.
  const second = await harness.client.startCycle(model, {
    config: { training: { taskQueue: harness.trainingTaskQueue } },
  });
  expect(second.number).toBe(2);
  const secondHandle = harness.client.temporal.workflow.getHandle(second.workflowId);
  const secondResult = (await secondHandle.result()) as CycleStatus;
  await recordHistory(secondHandle, 'cycle-nothing-to-learn');
  expect(secondResult.outcome).toBe('nothing-to-learn');
});

test('a candidate trained on flipped labels is rejected by the gate with its reasons', async () => {
  const model = 'spam-flipped';
  const { traffic } = era2();
  const champion = await era1Champion(harness.deps, model);
  // Malicious users "correct" most right answers to the other label: the mined labels are flipped.
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: traffic,
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    flipCorrectShare: 0.8,
    seed: 2,
  });
  const started = await harness.client.startCycle(model, {
    config: {
      training: { taskQueue: harness.trainingTaskQueue },
      mining: { maxPerClass: null, labelBudget: 0 },
    },
  });
  const handle = harness.client.temporal.workflow.getHandle(started.workflowId);
  const result = (await handle.result()) as CycleStatus;
  await recordHistory(handle, 'cycle-rejected');
  expect(result.outcome).toBe('rejected');
  expect(result.reasons.length).toBeGreaterThan(0);
  expect(result.reasons.join('\n')).toMatch(/accuracy/);
  const report = await harness.deps.store.reports.get(result.reportId!);
  expect(report?.passed).toBe(false);
  expect((await harness.deps.store.models.get(result.candidateVersion!))?.blessedBy).toBeNull();
  // A rejection is an outcome, not a failure: the workflow completed and the champion stays.
  expect(await harness.deps.store.models.alias(model, 'champion')).toBe(champion.versionId);
});
