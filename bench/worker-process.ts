/**
 * A Flywheel worker (both task queues) in a process of its own, so a benchmark measures its memory
 * alone and its event loop shares nothing with the benchmark's. Started by bench/temporal-rig.ts over
 * IPC: it answers `ready` with its resident set size, samples RSS every 20 ms, reports the peak since
 * the last `reset-peak` when asked (`peak`), and stops on `stop`.
 */
import { readFileSync } from 'node:fs';
import { createActivities, createTrainingActivities } from '../activities/index.ts';
import { createLogger } from '../adapters/log/logger.ts';
import { openDeps } from '../workers/open-deps.ts';
import { startWorkers } from '../workers/run-workers.ts';

export interface WorkerProcessOptions {
  address: string;
  namespace: string;
  dataDir: string;
  /** PostgreSQL instead of the embedded store under dataDir. */
  databaseUrl?: string | undefined;
  taskQueue: string;
  trainingTaskQueue: string;
  /** File holding the prebuilt workflow bundle's code. */
  bundlePath: string;
}

export type ToWorker = { kind: 'reset-peak' } | { kind: 'peak' } | { kind: 'stop' };
export type FromWorker =
  | { kind: 'ready'; rss: number }
  | { kind: 'peak'; peakRss: number; rss: number; maxRss: number }
  | { kind: 'stopped' };

const send = (message: FromWorker) => process.send!(message);

const options = JSON.parse(process.argv[2]!) as WorkerProcessOptions;
const logger = createLogger('bench-worker', { level: 'warn', destination: 2 });
const deps = await openDeps({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, logger });
const workers = await startWorkers({
  target: { connectionOptions: { address: options.address }, namespace: options.namespace },
  logger,
  activities: createActivities(deps),
  trainingActivities: createTrainingActivities(deps),
  workflowBundle: { code: readFileSync(options.bundlePath, 'utf8') },
  taskQueue: options.taskQueue,
  trainingTaskQueue: options.trainingTaskQueue,
});

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

process.on('message', async (message: ToWorker) => {
  switch (message.kind) {
    case 'reset-peak':
      peakRss = process.memoryUsage().rss;
      return;
    case 'peak': {
      const rss = process.memoryUsage().rss;
      peakRss = Math.max(peakRss, rss);
      // ru_maxrss (KiB on Linux): the kernel's own high-water mark since the process began, a check on sampling.
      send({ kind: 'peak', peakRss, rss, maxRss: process.resourceUsage().maxRSS * 1024 });
      return;
    }
    case 'stop':
      clearInterval(sampler);
      await workers.stop();
      await deps.close();
      send({ kind: 'stopped' });
      process.disconnect();
      return;
  }
});
workers.done.catch((error: unknown) => {
  logger.error({ err: error }, 'bench worker failed');
  process.exit(1);
});
send({ kind: 'ready', rss: process.memoryUsage().rss });
