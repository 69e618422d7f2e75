import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities/deps.ts';
import { createActivities, createTrainingActivities } from '../../activities/index.ts';
import { FlywheelClient } from '../../client/flywheel-client.ts';
import { cycleStarterOf } from '../../workers/cycle-starter.ts';
import { openDeps } from '../../workers/open-deps.ts';
import { DEFAULT_WORKFLOWS_PATH, type RunningWorkers } from '../../workers/run-workers.ts';
import { devServerEnv } from './cli-process.ts';
import { testLogger, testWorkers } from './temporal.ts';

export interface FlywheelHarness {
  dataDir: string;
  deps: ActivityDeps & { close(): Promise<void> };
  client: FlywheelClient;
  workers: RunningWorkers | null;
  taskQueue: string;
  trainingTaskQueue: string;
  /** Starts workers for both queues in this process (omit `training` to leave training to another process). */
  startWorkers(options?: { training?: boolean; trainingConcurrency?: number }): Promise<void>;
  /** The environment that points the real CLI at this harness: its dev server, data folder and task queue. */
  cliEnv(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * A Flywheel of its own on the run's shared dev server: a fresh data folder (embedded store, artifacts,
 * flags), task queues no other test uses, and a typed client that starts workflows on them.
 */
export async function flywheelHarness(
  settings: { dataConverter?: DataConverter } = {},
): Promise<FlywheelHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-test-'));
  const deps = await openDeps({ dataDir, logger: testLogger });
  const suffix = randomUUID().slice(0, 8);
  const taskQueue = `flywheel-${suffix}`;
  const trainingTaskQueue = `flywheel-training-${suffix}`;
  const client = await FlywheelClient.connect(
    {
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      connectionOptions: { address: inject('temporalAddress') },
      embedded: false,
      dataConverter: settings.dataConverter,
    },
    { taskQueue },
  );
  const harness: FlywheelHarness = {
    dataDir,
    deps,
    client,
    workers: null,
    taskQueue,
    trainingTaskQueue,
    async startWorkers(options = {}) {
      harness.workers = await testWorkers({
        workflowsPath: DEFAULT_WORKFLOWS_PATH,
        dataConverter: settings.dataConverter,
        // The monitor's and schedules' activities start cycles through this harness's typed client.
        activities: createActivities({ ...deps, cycles: cycleStarterOf(client) }),
        taskQueue,
        trainingTaskQueue,
        ...(options.trainingConcurrency ? { trainingConcurrency: options.trainingConcurrency } : {}),
        ...(options.training === false ? {} : { trainingActivities: createTrainingActivities(deps) }),
      });
    },
    cliEnv() {
      return { ...devServerEnv(), FLYWHEEL_DATA_DIR: dataDir, FLYWHEEL_TASK_QUEUE: taskQueue };
    },
    async close() {
      await harness.workers?.stop();
      await client.close();
      await deps.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
