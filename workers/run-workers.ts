import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from '../adapters/log/logger.ts';
import type { TemporalTarget } from '../client/connection.ts';
import { FLYWHEEL_TASK_QUEUE, TRAINING_TASK_QUEUE } from '../workflows/task-queues.ts';
import { installTemporalRuntime } from './temporal-logging.ts';
import { trainingConcurrency } from './training-concurrency.ts';

export interface WorkerPlan {
  target: Pick<TemporalTarget, 'connectionOptions' | 'namespace' | 'dataConverter'>;
  logger: Logger;
  /** Activities for the main queue (everything but training). */
  activities: object;
  /** Activities for the training queue; omit to run no training worker in this process. */
  trainingActivities?: object;
  /** Serve workflows and the main queue; false on a training-only host. */
  orchestration?: boolean;
  workflowsPath?: string;
  /** A prebuilt workflow bundle (tests build one once per run). */
  workflowBundle?: { code: string };
  taskQueue?: string;
  trainingTaskQueue?: string;
  /** Training activities run at once on this worker; default FLYWHEEL_TRAINING_CONCURRENCY, else one per core. */
  trainingConcurrency?: number;
  /** host:port where the Temporal SDK exports its metrics (Prometheus); none when absent. */
  sdkMetricsAddress?: string;
}

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects with the first worker failure. */
  readonly done: Promise<void>;
  /** Asks the workers to stop (finishing running tasks) and waits for them, then closes the connection. */
  stop(): Promise<void>;
}

export const DEFAULT_WORKFLOWS_PATH = new URL('../workflows/index.ts', import.meta.url).pathname;

/**
 * Connects to Temporal and starts Flywheel's workers. Any failure on the way (server unreachable,
 * bad bundle) closes what was opened and rethrows, so the process can exit instead of hanging on a
 * half-started runtime.
 */
export async function startWorkers(plan: WorkerPlan): Promise<RunningWorkers> {
  installTemporalRuntime(
    plan.logger,
    plan.sdkMetricsAddress ? { sdkMetricsAddress: plan.sdkMetricsAddress } : {},
  );
  let connection: NativeConnection | undefined;
  const workers: Worker[] = [];
  const dataConverter = plan.target.dataConverter ? { dataConverter: plan.target.dataConverter } : {};
  try {
    connection = await NativeConnection.connect(plan.target.connectionOptions as { address: string });
    if (plan.orchestration !== false) {
      workers.push(
        await Worker.create({
          connection,
          namespace: plan.target.namespace,
          ...dataConverter,
          taskQueue: plan.taskQueue ?? FLYWHEEL_TASK_QUEUE,
          ...(plan.workflowBundle
            ? { workflowBundle: plan.workflowBundle }
            : { workflowsPath: plan.workflowsPath ?? DEFAULT_WORKFLOWS_PATH }),
          activities: plan.activities,
        }),
      );
    }
    if (plan.trainingActivities) {
      workers.push(
        await Worker.create({
          connection,
          namespace: plan.target.namespace,
          ...dataConverter,
          taskQueue: plan.trainingTaskQueue ?? TRAINING_TASK_QUEUE,
          activities: plan.trainingActivities,
          // A sweep's variants train side by side up to this; a training host sets it to what it can run.
          maxConcurrentActivityTaskExecutions: plan.trainingConcurrency ?? trainingConcurrency(undefined),
          // Heartbeats carry the latest checkpoint's address: send them promptly (they are small), so a
          // crash loses at most the checkpoint interval, not most of a heartbeat timeout.
          maxHeartbeatThrottleInterval: '1s',
        }),
      );
    }
  } catch (error) {
    await connection?.close().catch(() => undefined);
    await Runtime.instance()
      .shutdown()
      .catch(() => undefined);
    throw error;
  }
  const openConnection = connection;
  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
    await openConnection.close();
  });
  return {
    done,
    async stop() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await done;
    },
  };
}
