import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TrainingHeartbeat } from '../activities/training/train-candidate.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { devServerEnv, spawnCli } from './support/cli-process.ts';
import { driftedChampion } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

let harness: FlywheelHarness;
const children: ChildProcess[] = [];
/** What the worker processes printed, shown when the test fails. */
const output: string[] = [];
/**
 * The built-in trainer behind the external protocol, held at its first checkpoint on a first attempt: the
 * kill lands mid-training by construction, however fast the machine trains.
 */
const HELD_TRAINER = `${process.execPath} ${path.resolve(import.meta.dirname, 'trainers/held-at-first-checkpoint.ts')}`;
const EPOCHS = 6;

beforeAll(async () => {
  harness = await flywheelHarness();
  // This process serves only the main queue; training runs in separate `flywheel worker` processes.
  await harness.startWorkers({ training: false });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await harness?.close();
});

function trainingWorker(): ChildProcess {
  const child = spawnCli(['worker', '--training-only', '--training-task-queue', harness.trainingTaskQueue], {
    ...devServerEnv(),
    FLYWHEEL_DATA_DIR: harness.dataDir,
    FLYWHEEL_EXTERNAL_TRAINER: HELD_TRAINER,
    FLYWHEEL_EXTERNAL_TRAINER_NAME: 'test/held-at-first-checkpoint@1',
  });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

test('a training worker killed mid-training: the retry resumes from its checkpoint and the cycle ends with one version', async () => {
  const model = 'spam-crash';
  const { champion } = await driftedChampion(harness.deps, model, 3);
  const first = trainingWorker();
  const started = await harness.client.startCycle(model, {
    config: {
      // Auto labels only: this test is about training, not about waiting for reviewers.
      mining: { labelBudget: 0 },
      rollout: { startAfterBlessing: false },
      training: { taskQueue: harness.trainingTaskQueue, trainer: 'external', params: { epochs: EPOCHS } },
      activities: { training: { heartbeat: '10s' } },
    },
  });
  const handle = harness.client.temporal.workflow.getHandle(started.workflowId);

  // Wait until the server holds a heartbeat with the held attempt's checkpoint, then kill -9.
  let killedAt: TrainingHeartbeat | undefined;
  await expect
    .poll(
      async () => {
        const description = await handle.describe();
        const pending = description.raw.pendingActivities?.find(
          (a) => a.activityType?.name === 'trainCandidate',
        );
        const payload = pending?.heartbeatDetails?.payloads?.[0];
        if (!payload?.data) return 0;
        killedAt = JSON.parse(Buffer.from(payload.data).toString('utf8')) as TrainingHeartbeat;
        return killedAt.epoch;
      },
      // A hang guard: on a loaded machine the worker process can take a minute to start and load its data.
      { timeout: 240_000, interval: 200 },
    )
    .toBeGreaterThanOrEqual(1);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  expect(killedAt!.epoch).toBeLessThan(EPOCHS);

  trainingWorker();
  const result = (await handle.result().catch((error) => {
    throw new Error(`cycle failed; worker output:\n${output.join('').slice(-3000)}`, { cause: error });
  })) as CycleStatus;
  expect(result.outcome, result.reasons.join('; ')).not.toBe('failed');
  expect(result.training?.resumedFromEpoch).toBeGreaterThanOrEqual(killedAt!.epoch);
  // One new version: the retry produced the same id the first attempt would have, and nothing else.
  const versions = await harness.deps.store.models.list(model);
  expect(versions.map((version) => version.id).sort()).toEqual(
    [champion.versionId, result.candidateVersion].sort(),
  );
}, 600_000);
