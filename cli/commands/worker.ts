import { type Command, Option } from 'commander';
import { createActivities, createTrainingActivities } from '../../activities/index.ts';
import { createLogger } from '../../adapters/log/logger.ts';
import { configuredTemporalTarget } from '../../workers/configured-target.ts';
import { connectCycleStarter } from '../../workers/cycle-starter.ts';
import { freePort } from '../../workers/free-port.ts';
import { openDeps } from '../../workers/open-deps.ts';
import { startWorkers } from '../../workers/run-workers.ts';
import {
  defaultTrainingConcurrency,
  TRAINING_CONCURRENCY_VARIABLE,
  trainingConcurrency,
} from '../../workers/training-concurrency.ts';
import { startWorkerMetrics, type WorkerMetricsEndpoint } from '../../workers/worker-metrics.ts';
import { FLYWHEEL_TASK_QUEUE, TRAINING_TASK_QUEUE } from '../../workflows/task-queues.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { dataDir } from '../data-dir.ts';
import { parsePort } from '../options.ts';
import { waitForStopSignal } from './stop-signal.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run a Flywheel worker against the configured Temporal (TEMPORAL_ADDRESS, or the embedded dev server)',
    )
    .option('--training-only', 'serve only the training task queue (a training host)')
    .option('--no-training', 'do not serve the training task queue')
    .option('--task-queue <name>', 'main task queue', FLYWHEEL_TASK_QUEUE)
    .option(
      '--training-task-queue <name>',
      'training task queue (as in the cycle config)',
      TRAINING_TASK_QUEUE,
    )
    .option(
      '--training-concurrency <n>',
      `training activities run at once, e.g. a sweep's variants (default: ${TRAINING_CONCURRENCY_VARIABLE}, else one per core: ${defaultTrainingConcurrency()} here)`,
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve GET /metrics (process and Temporal SDK metrics, Prometheus text) on this port; none when unset',
      )
        .env('FLYWHEEL_WORKER_METRICS_PORT')
        .argParser(parsePort),
    )
    .option('--metrics-host <host>', 'address the metrics endpoint listens on', '127.0.0.1')
    .action(
      async (options: {
        trainingOnly?: boolean;
        training: boolean;
        taskQueue: string;
        trainingTaskQueue: string;
        trainingConcurrency?: string;
        metricsPort?: number;
        metricsHost: string;
      }) => {
        let concurrency: number;
        try {
          concurrency = trainingConcurrency(options.trainingConcurrency);
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
        const logger = createLogger('worker');
        const deps = await openDeps({
          dataDir: dataDir(),
          databaseUrl: process.env.FLYWHEEL_DATABASE_URL,
          logger,
        });
        // The monitor's and schedules' activities start cycles through a typed client of their own.
        const starter = options.trainingOnly
          ? null
          : await connectCycleStarter(configuredTemporalTarget(), options.taskQueue).catch(async (error) => {
              await deps.close();
              throw error;
            });
        let metrics: WorkerMetricsEndpoint | undefined;
        try {
          const target = configuredTemporalTarget();
          // The SDK's exporter listens on loopback only; the worker's own endpoint serves its text too.
          const sdkMetricsAddress =
            options.metricsPort === undefined ? undefined : `127.0.0.1:${await freePort()}`;
          const workers = await startWorkers({
            target,
            logger,
            activities: createActivities({ ...deps, ...(starter ? { cycles: starter.cycles } : {}) }),
            taskQueue: options.taskQueue,
            trainingTaskQueue: options.trainingTaskQueue,
            trainingConcurrency: concurrency,
            orchestration: !options.trainingOnly,
            ...(options.training || options.trainingOnly
              ? { trainingActivities: createTrainingActivities(deps) }
              : {}),
            ...(sdkMetricsAddress ? { sdkMetricsAddress } : {}),
          });
          if (options.metricsPort !== undefined) {
            metrics = await startWorkerMetrics({
              port: options.metricsPort,
              host: options.metricsHost,
              sdkMetricsUrl: `http://${sdkMetricsAddress}/metrics`,
              logger,
            });
            logger.info({ url: metrics.url }, 'worker metrics served');
          }
          logger.info(
            { temporal: target.address, namespace: target.namespace, trainingConcurrency: concurrency },
            'worker running; Ctrl-C stops it',
          );
          await Promise.race([waitForStopSignal(), workers.done]);
          await workers.stop();
        } finally {
          await metrics?.close();
          await starter?.close();
          await deps.close();
        }
      },
    );
}
