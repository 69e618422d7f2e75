import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { TRAINING_COST_AUDIT } from '../core/cycle/training-budget.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { reviewWorkflowId } from '../workflows/review-messages.ts';
import { CPU_SECONDS, OUTCOME, REVIEWER_DECISIONS } from '../workflows/search-attributes.ts';
import { runCliAsync } from './support/cli-process.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

/** A small era-1 champion (300 mails), so that era-2 traffic gives it plenty of mistakes to learn from. */
async function smallChampion(model: string) {
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const examples = [
    ...era1.filter((m) => m.label === 'ham').slice(0, 150),
    ...era1.filter((m) => m.label === 'spam').slice(0, 150),
  ];
  return registerModelFromCorpus(harness.deps, {
    model,
    examples: examples.map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin (300)',
    champion: 'always',
    actor: 'test',
  });
}

async function runCycle(model: string, config: Record<string, unknown>): Promise<CycleStatus> {
  const started = await harness.client.startCycle(model, {
    config: {
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
      ...config,
    },
  });
  return (await harness.client.temporal.workflow.getHandle(started.workflowId).result()) as CycleStatus;
}

test('a training over its wall-time budget is stopped, registers nothing, and the cycle ends over-budget with the figures and its cost', async () => {
  const model = 'budget-train';
  const champion = await smallChampion(model);
  const captured = await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    // Hard ham is where an era-1 model errs (it reads like spam).
    messages: [
      ...era2()
        .traffic.filter((m) => m.group === 'hard-ham-1')
        .slice(0, 150),
      ...era2()
        .traffic.filter((m) => m.label === 'spam')
        .slice(0, 100),
    ],
    feedbackShare: 0.6,
    wrongFeedbackShare: 0,
    seed: 11,
  });
  const watermarkBefore = await harness.deps.store.cycles.lastWatermark(model);

  // One millisecond: no real training of a few hundred mails fits in it, whatever the machine.
  const result = await runCycle(model, {
    mining: { labelBudget: 0 },
    budget: { perCycle: { maxTrainingSeconds: 0.001 } },
  });

  expect(result.outcome, JSON.stringify([captured, result.mined])).toBe('over-budget');
  expect(result.labels?.auto).toBeGreaterThan(0);
  expect(result.overBudget).toMatchObject({
    limit: 'budget.perCycle.maxTrainingSeconds',
    unit: 'seconds',
    max: 0.001,
    checkedAt: 'training',
  });
  expect(result.overBudget!.used).toBeGreaterThan(0.001);
  expect(result.reasons).toEqual([
    `training stopped after ${result.overBudget!.used} seconds, over budget.perCycle.maxTrainingSeconds = 0.001; no model version was registered`,
  ]);
  // No candidate: the registry holds the champion alone, and the window is left to the next cycle.
  expect(result.candidateVersion).toBeNull();
  expect((await harness.deps.store.models.list(model)).map((version) => version.id)).toEqual([
    champion.versionId,
  ]);
  expect(await harness.deps.store.cycles.lastWatermark(model)).toEqual(watermarkBefore);
  expect((await harness.deps.store.cycles.get(result.cycleId))?.outcome).toBe('over-budget');

  // The stopped attempt left its cost in the audit trail: what the per-day limit counts.
  const costs = await harness.deps.store.audit.list({ model, kind: TRAINING_COST_AUDIT });
  expect(costs).toHaveLength(1);
  expect(costs[0]!.details).toMatchObject({
    overBudget: 'budget.perCycle.maxTrainingSeconds',
    versionId: null,
  });
  const trainingCpu = costs[0]!.details.cpuSeconds as number;
  expect(trainingCpu).toBeGreaterThan(0);

  // The cycle's cost: CPU-seconds of its activities (the stopped training included), no reviewer decisions.
  const cost = result.cost;
  expect(cost.cpuSeconds.collecting).toBeGreaterThan(0);
  expect(cost.cpuSeconds.dataset).toBeGreaterThan(0);
  expect(cost.cpuSeconds.training).toBeGreaterThan(0);
  expect(cost.cpuSeconds.evaluation).toBe(0);
  expect(cost.cpuSeconds.total).toBeCloseTo(
    cost.cpuSeconds.collecting + cost.cpuSeconds.dataset + cost.cpuSeconds.training,
    2,
  );
  expect(cost.reviewerDecisions).toBe(0);

  // The same figures as search attributes: on the execution, and found by a visibility query.
  const handle = harness.client.temporal.workflow.getHandle(result.cycleId);
  const described = await handle.describe();
  expect(described.typedSearchAttributes.get(CPU_SECONDS)).toBe(cost.cpuSeconds.total);
  expect(described.typedSearchAttributes.get(REVIEWER_DECISIONS)).toBe(0);
  expect(described.typedSearchAttributes.get(OUTCOME)).toBe('over-budget');
  await expect
    .poll(
      async () => {
        const found: string[] = [];
        for await (const execution of harness.client.temporal.workflow.list({
          query: `FlywheelModel = '${model}' AND FlywheelOutcome = 'over-budget' AND FlywheelCpuSeconds > 0`,
        })) {
          found.push(execution.workflowId);
        }
        return found;
      },
      { timeout: 30_000, interval: 250 },
    )
    .toEqual([result.cycleId]);

  // `flywheel cycle status` shows them, as text and as JSON.
  const env = harness.cliEnv();
  const text = await runCliAsync(['cycle', 'status', model], env);
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toContain(`cost:      ${cost.cpuSeconds.total.toFixed(2)} CPU-s`);
  expect(text.stdout).toContain('0 reviewer decision(s)');
  expect(text.stdout).toContain('budget:    budget.perCycle.maxTrainingSeconds = 0.001');
  const json = await runCliAsync(['cycle', 'status', model, '--json'], env);
  expect(json.code, json.stderr).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({
    outcome: 'over-budget',
    cost,
    overBudget: result.overBudget,
  });

  // The day's training CPU is counted from that record: a limit it already reaches refuses the next cycle
  // before anything is mined.
  const refused = await runCycle(model, {
    mining: { labelBudget: 0 },
    budget: { perModelPerDay: { maxTrainingCpuSeconds: trainingCpu } },
  });
  expect(refused.outcome).toBe('over-budget');
  expect(refused.overBudget).toEqual({
    limit: 'budget.perModelPerDay.maxTrainingCpuSeconds',
    unit: 'CPU-seconds',
    max: trainingCpu,
    used: trainingCpu,
    checkedAt: 'start',
  });
  expect(refused.mined).toBeNull();
  expect(refused.cost.cpuSeconds.total).toBe(0);

  // The window the stopped cycle mined was left to the next one: it mines the same labels again, and a
  // CPU-second limit stops its training the same way.
  const cpuBound = await runCycle(model, {
    mining: { labelBudget: 0 },
    budget: { perCycle: { maxTrainingCpuSeconds: 0.001 } },
  });
  expect(cpuBound.outcome, cpuBound.reasons.join('; ')).toBe('over-budget');
  expect(cpuBound.mined?.autoLabelled).toBe(result.mined?.autoLabelled);
  expect(cpuBound.overBudget).toMatchObject({
    limit: 'budget.perCycle.maxTrainingCpuSeconds',
    unit: 'CPU-seconds',
    max: 0.001,
    checkedAt: 'training',
  });
  expect(cpuBound.overBudget!.used).toBeGreaterThan(0.001);
  expect(cpuBound.cost.cpuSeconds.training).toBeGreaterThanOrEqual(cpuBound.overBudget!.used);
  expect((await harness.deps.store.models.list(model)).map((version) => version.id)).toEqual([
    champion.versionId,
  ]);

  // A sweep shares the cycle's CPU limit: the first candidate over its share ends the cycle, the other is
  // stopped or cancelled, and neither is registered.
  const sweep = await runCycle(model, {
    mining: { labelBudget: 0 },
    training: { taskQueue: harness.trainingTaskQueue, variants: [{ seed: 1 }, { seed: 2 }] },
    budget: { perCycle: { maxTrainingCpuSeconds: 0.002 } },
  });
  expect(sweep.outcome, sweep.reasons.join('; ')).toBe('over-budget');
  expect(sweep.overBudget).toMatchObject({ limit: 'budget.perCycle.maxTrainingCpuSeconds', max: 0.001 });
  expect((await harness.deps.store.models.list(model)).map((version) => version.id)).toEqual([
    champion.versionId,
  ]);
});

test('a cycle whose mining picked more items for review than its budget ends over-budget before any reviewer sees them', async () => {
  const model = 'budget-review';
  const champion = await smallChampion(model);
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: era2().traffic.slice(0, 80),
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    seed: 7,
  });
  const result = await runCycle(model, {
    mining: { labelBudget: 6, lowConfidenceThreshold: 0.99 },
    autoLabel: { rules: [] },
    budget: { perCycle: { maxReviewLabels: 3 } },
  });
  expect(result.outcome, result.reasons.join('; ')).toBe('over-budget');
  expect(result.mined?.needsReview).toBe(6);
  expect(result.overBudget).toEqual({
    limit: 'budget.perCycle.maxReviewLabels',
    unit: 'review labels',
    max: 3,
    used: 6,
    checkedAt: 'review',
  });
  expect(result.reasons[0]).toMatch(
    /mining picked 6 items for review, over budget\.perCycle\.maxReviewLabels = 3/,
  );
  // No review was opened, nothing was trained.
  expect(result.review).toBeNull();
  await expect(
    harness.client.temporal.workflow.getHandle(reviewWorkflowId(result.cycleId)).describe(),
  ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect(result.datasetId).toBeNull();
  expect(result.cost.cpuSeconds.collecting).toBeGreaterThan(0);
  expect(result.cost.reviewerDecisions).toBe(0);
});

test('the per-day cycle limit refuses the cycle after it, counted from the store; refused cycles do not count', async () => {
  const model = 'budget-daily';
  await smallChampion(model);
  const budget = { perModelPerDay: { maxCycles: 1 } };
  // Nothing captured: each cycle that runs ends with nothing to learn.
  const first = await runCycle(model, { budget });
  expect(first.outcome).toBe('nothing-to-learn');
  const second = await runCycle(model, { budget });
  expect(second.outcome).toBe('over-budget');
  expect(second.overBudget).toEqual({
    limit: 'budget.perModelPerDay.maxCycles',
    unit: 'cycles',
    max: 1,
    used: 2,
    checkedAt: 'start',
  });
  expect(second.reasons).toEqual([
    'this would be cycle 2 of the UTC day, over budget.perModelPerDay.maxCycles = 1',
  ]);
  expect(second.mined).toBeNull();
  // The refused cycle is not counted: with room for two, the third runs.
  const third = await runCycle(model, { budget: { perModelPerDay: { maxCycles: 2 } } });
  expect(third.number).toBe(3);
  expect(third.outcome).toBe('nothing-to-learn');
});
