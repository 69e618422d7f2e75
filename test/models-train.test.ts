import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { championChangeWorkflowId } from '../workflows/champion-change-messages.ts';
import { trainModelWorkflowId } from '../workflows/train-model-messages.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

/**
 * `flywheel models train` trains on the workers, not in the CLI: the trainModel workflow versions the
 * corpus and runs the cycle's training activity on the training queue; the first version becomes the
 * champion through the championChange workflow, audited.
 */

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

const DATASET = 'spamassassin:hard-ham-1,spam-1';

test('trains through the trainModel workflow and makes the first version the champion through championChange', async () => {
  const model = 'mt-first';
  const first = await flywheel(['models', 'train', model, '--dataset', DATASET, '--epochs', '2', '--json']);
  expect(first.code, first.stderr).toBe(0);
  const trained = JSON.parse(first.stdout);
  expect(trained).toMatchObject({ reused: false, isChampion: true });
  expect(trained.counts.train).toBeGreaterThan(0);

  // Both steps left a completed workflow: the training and the change of who serves.
  const training = await harness.client.temporal.workflow.getHandle(trainModelWorkflowId(model)).describe();
  expect(training.type).toBe('trainModel');
  expect(training.status.name).toBe('COMPLETED');
  const change = await harness.client.temporal.workflow.getHandle(championChangeWorkflowId(model)).describe();
  expect(change.status.name).toBe('COMPLETED');

  expect(await harness.deps.store.models.get(trained.versionId)).toMatchObject({
    datasetId: trained.datasetId,
  });
  expect(await harness.deps.store.models.alias(model, 'champion')).toBe(trained.versionId);
  expect(await harness.deps.flags.read(model)).toMatchObject({
    championVersion: trained.versionId,
    mode: 'off',
  });
  const audited = (await harness.deps.store.audit.list({ model, limit: 100 })).filter(
    (event) => event.details.championVersion === trained.versionId,
  );
  expect(audited).toHaveLength(1);
  expect(audited[0]).toMatchObject({ actor: 'cli:tester', details: { via: 'workflow' } });

  // The same request names the same version: nothing is trained or moved again.
  const again = await flywheel(['models', 'train', model, '--dataset', DATASET, '--epochs', '2', '--json']);
  expect(again.code, again.stderr).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({
    versionId: trained.versionId,
    reused: true,
    isChampion: true,
  });
  const champions = (await harness.deps.store.models.aliasHistory(model)).filter(
    (move) => move.alias === 'champion',
  );
  expect(champions).toHaveLength(1);
});

test('a dataset spec that is not one is refused before anything starts: exit 2, one line', async () => {
  const refused = await flywheel(['models', 'train', 'mt-bad', '--dataset', 'spamassassin:nope']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/^flywheel: unknown SpamAssassin group "nope"/);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  await expect(
    harness.client.temporal.workflow.getHandle(trainModelWorkflowId('mt-bad')).describe(),
  ).rejects.toThrow();
});

/** Runs the real `flywheel` CLI against the test's dev server, data folder and task queues. */
function flywheel(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [new URL('../cli/bin.ts', import.meta.url).pathname, ...args],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: inject('temporalNamespace'),
          FLYWHEEL_DATA_DIR: harness.dataDir,
          FLYWHEEL_TASK_QUEUE: harness.taskQueue,
          FLYWHEEL_TRAINING_TASK_QUEUE: harness.trainingTaskQueue,
          FLYWHEEL_LOG_LEVEL: 'warn',
          USER: 'tester',
        },
        encoding: 'utf8',
        timeout: 300_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
