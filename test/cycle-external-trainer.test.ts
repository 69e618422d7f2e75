import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBuiltinTrainer } from '../adapters/trainers/builtin.ts';
import { createExternalCommandTrainer } from '../adapters/trainers/external-command.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { driftedChampion } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

const PYTHON_EXAMPLE = new URL('../examples/trainers/logistic_regression.py', import.meta.url).pathname;
let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  // The training worker is given a team's own program; the cycle config picks it by name.
  harness.deps.trainers = {
    builtin: createBuiltinTrainer(),
    external: createExternalCommandTrainer({
      name: 'python/logistic-regression@1',
      command: ['python3', PYTHON_EXAMPLE],
    }),
  };
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

test('a cycle trains its candidate with an external program chosen in the cycle config', async () => {
  const model = 'spam-python';
  await driftedChampion(harness.deps, model, 4);
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 0 },
      training: { taskQueue: harness.trainingTaskQueue, trainer: 'external', params: { epochs: 1 } },
      rollout: { startAfterBlessing: false },
    },
  });
  const result = (await harness.client.temporal.workflow
    .getHandle(started.workflowId)
    .result()) as CycleStatus;
  expect(['blessed', 'rejected']).toContain(result.outcome);
  const candidate = await harness.deps.store.models.get(result.candidateVersion!);
  expect(candidate?.trainer).toBe('python/logistic-regression@1');
  // Flywheel measured the Python model itself on the holdout: it really learned.
  expect(candidate?.metrics.accuracy).toBeGreaterThan(0.9);
}, 300_000);

test('a cycle naming a trainer the worker does not have fails with that reason, not a retry storm', async () => {
  const model = 'spam-no-trainer';
  await driftedChampion(harness.deps, model, 5);
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 0 },
      training: { taskQueue: harness.trainingTaskQueue, trainer: 'gpu-farm' },
    },
  });
  const handle = harness.client.temporal.workflow.getHandle(started.workflowId);
  const outcome = await handle.result().then(
    (result) =>
      `resolved ${JSON.stringify((result as CycleStatus).outcome)} ${(result as CycleStatus).reasons}`,
    () => 'rejected',
  );
  expect(outcome).toBe('rejected');
  const status = await handle.query<CycleStatus>('status');
  expect(status.outcome).toBe('failed');
  expect(status.reasons.join(' ')).toMatch(/no trainer "gpu-farm" on this worker/);
}, 300_000);
