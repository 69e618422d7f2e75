import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import { deserializeClassifier } from '../core/model/artifact.ts';
import type { ReviewItem } from '../core/review/review-item.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { reviewQueueQuery, reviewWorkflowId } from '../workflows/review-messages.ts';
import { captureTraffic, era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

/**
 * Starts a cycle that sends everything it mines to review (no auto-label rules), waits until its review
 * is open, reads what was mined, and cancels the cycle: this file is about what a real cycle mines.
 */
async function mineWithCycle(
  model: string,
  mining: Record<string, unknown>,
): Promise<{ status: CycleStatus; items: ReviewItem[] }> {
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 1_000, ...mining },
      autoLabel: { rules: [] },
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  const review = harness.client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  await expect
    .poll(async () => (await review.query(reviewQueueQuery).catch(() => undefined))?.state, {
      timeout: 90_000,
      interval: 250,
    })
    .toBe('open');
  const status = await harness.client.cycleStatus(model, started.number);
  const items = await harness.deps.store.reviewItems.listByCycle(started.workflowId);
  await harness.client.cancelCycle(model, started.number);
  return { status, items };
}

test('a cycle mines drifted inputs from era-2 traffic: the words the era-1 champion never saw', async () => {
  const model = 'mining-drift';
  const champion = await era1Champion(harness.deps, model);
  // Both eras served: era 1 is what the champion learned from, era 2 came later.
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const traffic = era2().traffic;
  for (const [messages, seed] of [
    [era1, 1],
    [traffic, 2],
  ] as const) {
    await captureTraffic(harness.deps, {
      model,
      versionId: champion.versionId,
      messages,
      feedbackShare: 0,
      wrongFeedbackShare: 0,
      seed,
    });
  }

  const { status, items } = await mineWithCycle(model, {
    reasons: ['drifted-input'],
    driftedInputMinOovRate: 0.3,
  });
  const drifted = status.mined?.byReason['drifted-input'] ?? 0;
  expect(drifted).toBeGreaterThanOrEqual(8);
  expect(status.mined?.needsReview).toBe(drifted);
  expect(items).toHaveLength(drifted);
  expect(items.every((item) => item.reason === 'drifted-input')).toBe(true);

  // Era 2 is 41% of the traffic but most of what is unfamiliar to an era-1 model.
  const era2Texts = new Set(traffic.map((message) => message.text));
  const fromEra2 = items.filter((item) => era2Texts.has(item.text)).length;
  expect(fromEra2 / items.length).toBeGreaterThanOrEqual(0.75);
});

test('a cycle mines the inputs where a shadow candidate disagreed with the champion', async () => {
  const model = 'mining-shadow';
  const champion = await era1Champion(harness.deps, model);
  // The shadow: a small model of its own (60 era-1 messages), so it disagrees on a share of era 2.
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const small = [
    ...era1.filter((m) => m.label === 'ham').slice(0, 30),
    ...era1.filter((m) => m.label === 'spam').slice(0, 30),
  ];
  const candidate = await registerModelFromCorpus(harness.deps, {
    model: `${model}-candidate`,
    examples: small.map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin:easy-ham-1,spam-1 (60)',
    champion: 'always',
    actor: 'test',
  });
  const messages = era2().traffic.slice(0, 600);
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages,
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    seed: 3,
  });
  // The gateway records a shadow twin beside each served answer while a rollout is in its shadow step.
  const version = await harness.deps.store.models.get(candidate.versionId);
  const shadowModel = deserializeClassifier(await harness.deps.artifacts.get(version!.artifactSha256));
  const served = await harness.deps.store.predictions.listBetween(model, 0, Date.now() + 60_000);
  const twins: PredictionRecord[] = served.map((p) => {
    const answer = shadowModel.predict(p.text);
    return {
      ...p,
      id: randomUUID(),
      modelVersion: candidate.versionId,
      variant: 'shadow',
      label: answer.label,
      confidence: answer.confidence,
      scores: answer.scores,
      servedPredictionId: p.id,
    };
  });
  await harness.deps.store.predictions.insertMany(twins);
  const disagreements = twins.filter((twin, i) => twin.label !== served[i]!.label);
  expect(disagreements.length).toBeGreaterThanOrEqual(5);

  const { status, items } = await mineWithCycle(model, {
    reasons: ['shadow-disagreement'],
    nearDuplicateSimilarity: 1,
  });
  expect(status.mined?.scanned).toBe(messages.length);
  const mined = status.mined?.byReason['shadow-disagreement'] ?? 0;
  expect(mined).toBeGreaterThan(0);
  expect(items).toHaveLength(mined);
  const disagreedOn = new Set(disagreements.map((twin) => twin.servedPredictionId));
  expect(items.every((item) => item.reason === 'shadow-disagreement')).toBe(true);
  expect(items.every((item) => disagreedOn.has(item.predictionId))).toBe(true);
  // Only exact and near duplicates of a disagreement already in the batch may be left out.
  expect(
    mined +
      (status.mined?.droppedByCause.duplicate ?? 0) +
      (status.mined?.droppedByCause['near-duplicate'] ?? 0),
  ).toBe(disagreements.length - (status.mined?.droppedByCause['too-short'] ?? 0));
});
