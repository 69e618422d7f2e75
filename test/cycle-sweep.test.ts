import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuiltinTrainer } from '../adapters/trainers/builtin.ts';
import type { Trainer, TrainingRequest } from '../adapters/trainers/trainer.ts';
import type { EvaluationSummary } from '../core/gate/evaluation-summary.ts';
import { PERTURBATION_FAMILIES } from '../core/robustness/perturbations.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { driftedChampion } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

const VARIANTS = [{ epochs: 1 }, { epochs: 6 }, { epochs: 3, learningRate: 0.05 }];

/**
 * The built-in trainer behind a gate that opens only once every variant of the sweep has entered it: with a
 * training worker running one activity at a time the first variant waits alone and the sweep never trains.
 * The gate gives up after a long while only so that such a failure ends the test instead of hanging it.
 */
function trainerOpeningWhenAllHaveStarted(expected: number) {
  const builtin = createBuiltinTrainer();
  let inside = 0;
  let mostAtOnce = 0;
  const waiting: Array<() => void> = [];
  const trainer: Trainer = {
    name: builtin.name,
    async train(request: TrainingRequest) {
      inside += 1;
      mostAtOnce = Math.max(mostAtOnce, inside);
      if (inside >= expected) for (const release of waiting.splice(0)) release();
      else {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 240_000).unref();
        });
      }
      try {
        return await builtin.train(request);
      } finally {
        inside -= 1;
      }
    },
  };
  return { trainer, mostAtOnce: () => mostAtOnce };
}

let harness: FlywheelHarness;
const gate = trainerOpeningWhenAllHaveStarted(VARIANTS.length);

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers({ trainingConcurrency: VARIANTS.length });
});

afterAll(async () => {
  await harness?.close();
});

test('a sweep trains its variants at once on the training queue; the best by holdout goes to the gate, every one is registered with its figures', async () => {
  const model = 'spam-sweep';
  await driftedChampion(harness.deps, model, 11);
  // From here on the training worker's trainer is the gated one (the champion above trained without it).
  harness.deps.trainers = { builtin: gate.trainer };
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 0 },
      training: { taskQueue: harness.trainingTaskQueue, variants: VARIANTS },
      rollout: { startAfterBlessing: false },
    },
  });
  const result = (await harness.client.temporal.workflow
    .getHandle(started.workflowId)
    .result()) as CycleStatus;

  expect(gate.mostAtOnce()).toBe(VARIANTS.length);
  expect(['blessed', 'rejected']).toContain(result.outcome);
  const candidates = (await harness.deps.store.models.list(model)).filter(
    (version) => version.datasetId === result.datasetId,
  );
  expect(candidates.map((version) => version.params.epochs).sort()).toEqual([1, 3, 6]);
  for (const version of candidates) {
    expect(version.metrics.accuracy).toBeGreaterThan(0);
    expect(version.metrics.holdoutSize).toBeGreaterThan(0);
  }
  const best = Math.max(...candidates.map((version) => version.metrics.accuracy ?? 0));
  const winner = candidates.find((version) => version.id === result.candidateVersion);
  expect(winner?.metrics.accuracy).toBe(best);
  expect(result.training?.holdoutAccuracy).toBe(best);
  const reports = await harness.deps.store.reports.list(model);
  expect(reports.map((report) => report.candidateVersion)).toEqual([result.candidateVersion]);
  // The gate measured both models on the holdout as each perturbation family rewrites it.
  const body = reports[0]!.body as { candidate: EvaluationSummary; champion: EvaluationSummary };
  for (const side of [body.candidate, body.champion]) {
    expect(side.robustness?.map((figure) => figure.family)).toEqual([...PERTURBATION_FAMILIES]);
    expect(side.robustness?.every((figure) => figure.size === side.holdout.size)).toBe(true);
  }
  expect(
    (body as unknown as { verdict: { checks: { kind: string }[] } }).verdict.checks.filter(
      (check) => check.kind === 'robustness',
    ),
  ).toHaveLength(PERTURBATION_FAMILIES.length);
}, 300_000);
