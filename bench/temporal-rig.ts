import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../adapters/log/logger.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import { type DevServer, startDevServer } from '../workers/dev-server.ts';
import { DEFAULT_WORKFLOWS_PATH } from '../workers/run-workers.ts';
import { temporalLoggerFor } from '../workers/temporal-logging.ts';
import type { FromWorker, ToWorker, WorkerProcessOptions } from './worker-process.ts';

export const benchLogger = createLogger('bench', { level: 'warn', destination: 2 });

/** A private Temporal dev server and the workflow bundle, built once, for the benchmarks that run cycles. */
export interface TemporalRig {
  server: DevServer;
  /** Where the prebuilt workflow bundle is, for worker processes to load. */
  bundlePath: string;
  /** A fresh data folder (embedded store, flags, artifacts), removed by stop(). */
  dataDir(): string;
  /** A worker for both task queues in a child process, on task queues of its own, over `dataDir`. */
  startWorkerProcess(dataDir: string): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

export interface WorkerProcess {
  /** A typed client that starts cycles on this worker's task queue. */
  client: FlywheelClient;
  trainingTaskQueue: string;
  /** Resident set size right after the worker started polling. */
  readyRss: number;
  resetPeak(): void;
  /** Peak RSS sampled since the last reset, and the kernel's high-water mark since the process began. */
  peak(): Promise<{ peakRss: number; maxRss: number }>;
  stop(): Promise<void>;
}

export async function startTemporalRig(): Promise<TemporalRig> {
  const root = mkdtempSync(join(tmpdir(), 'flywheel-bench-'));
  const server = await startDevServer({ headless: true });
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: DEFAULT_WORKFLOWS_PATH,
      logger: temporalLoggerFor(benchLogger),
    });
    const bundlePath = join(root, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);
    return {
      server,
      bundlePath,
      dataDir() {
        return mkdtempSync(join(root, 'data-'));
      },
      startWorkerProcess: (dataDir) => startWorkerProcess(server, bundlePath, dataDir),
      async stop() {
        await server.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function startWorkerProcess(server: DevServer, bundlePath: string, dataDir: string) {
  const suffix = randomUUID().slice(0, 8);
  const options: WorkerProcessOptions = {
    address: server.address,
    namespace: server.namespace,
    dataDir,
    taskQueue: `bench-${suffix}`,
    trainingTaskQueue: `bench-training-${suffix}`,
    bundlePath,
  };
  const child = fork(join(import.meta.dirname, 'worker-process.ts'), [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = replyQueue(child);
  const ready = await replies.next('ready');
  const client = await FlywheelClient.connect(
    {
      address: server.address,
      namespace: server.namespace,
      connectionOptions: { address: server.address },
      embedded: false,
    },
    { taskQueue: options.taskQueue },
  );
  const worker: WorkerProcess = {
    client,
    trainingTaskQueue: options.trainingTaskQueue,
    readyRss: ready.rss,
    resetPeak: () => send(child, { kind: 'reset-peak' }),
    async peak() {
      send(child, { kind: 'peak' });
      const reply = await replies.next('peak');
      return { peakRss: reply.peakRss, maxRss: reply.maxRss };
    },
    async stop() {
      await client.close();
      send(child, { kind: 'stop' });
      await replies.next('stopped');
      await replies.exited;
    },
  };
  return worker;
}

function send(child: ChildProcess, message: ToWorker): void {
  child.send(message);
}

/** The worker's replies in order, awaited by kind; an early exit rejects every waiter. */
function replyQueue(child: ChildProcess) {
  const waiting: Array<{ kind: FromWorker['kind']; resolve(m: FromWorker): void; reject(e: Error): void }> =
    [];
  let failure: Error | null = null;
  child.on('message', (message: FromWorker) => {
    const index = waiting.findIndex((w) => w.kind === message.kind);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      failure = new Error(`the bench worker exited (${signal ?? `code ${code}`})`);
      for (const w of waiting.splice(0)) w.reject(failure);
      resolve();
    });
  });
  return {
    exited,
    next<K extends FromWorker['kind']>(kind: K): Promise<Extract<FromWorker, { kind: K }>> {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ kind, resolve: resolve as (m: FromWorker) => void, reject });
      });
    },
  };
}
