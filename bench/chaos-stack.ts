/**
 * The embedded stack the reliability campaign breaks on purpose: a Temporal dev server on a database
 * file (so it can be restarted and keep its workflows), one worker process for both task queues (so it
 * can be killed with SIGKILL and replaced), the gateway, and the store, flags and artifacts in one data
 * folder, as `flywheel dev` runs them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import type { LoadSheddingOptions } from '../gateway/load-shedding.ts';
import { type RunningGateway, runGateway } from '../gateway/run-gateway.ts';
import { type DevServer, startDevServer } from '../workers/dev-server.ts';
import { freePort } from '../workers/free-port.ts';
import { openDeps } from '../workers/open-deps.ts';
import { DEFAULT_WORKFLOWS_PATH } from '../workers/run-workers.ts';
import { temporalLoggerFor } from '../workers/temporal-logging.ts';
import type { FromWorker, WorkerProcessOptions } from './worker-process.ts';

export const chaosLogger = createLogger('chaos', { level: 'warn', destination: 2 });

export interface ChaosStack {
  dataDir: string;
  /** PostgreSQL under every part (worker, gateway, campaign), or undefined for the embedded store. */
  databaseUrl: string | undefined;
  deps: ActivityDeps & { close(): Promise<void> };
  client: FlywheelClient;
  gateway: RunningGateway;
  trainingTaskQueue: string;
  /** Where it runs: 'embedded' (as `flywheel dev`) or 'production' (bench/chaos-production-stack.ts). */
  topology: 'embedded' | 'production';
  /**
   * SIGKILLs a worker process (one of several picked with `random`, else the one serving workflows) and
   * starts its replacement; resolves once the replacement polls, with which worker was killed.
   */
  killWorker(random?: () => number): Promise<string>;
  /** Stops the dev server and starts it again on the same port and database file. */
  restartTemporal(): Promise<void>;
  /** Worker processes that exited without being killed by the campaign (each was replaced). */
  unexpectedWorkerExits(): number;
  /** Replaces the gateway (e.g. with other load-shedding bounds); the old one is closed (flushed) first. */
  replaceGateway(loadShedding?: Partial<LoadSheddingOptions>): Promise<RunningGateway>;
  close(): Promise<void>;
}

/** The worker processes of a stack: what the campaign kills and replaces. */
export interface WorkerFleet {
  topology: ChaosStack['topology'];
  kill(random?: () => number): Promise<string>;
  /** Worker processes that exited without being killed by the campaign (each was replaced). */
  unexpectedExits(): number;
  close(): Promise<void>;
}

export type StartWorkerFleet = (
  options: WorkerProcessOptions,
  output: (chunk: string) => void,
  logger: Logger,
) => Promise<WorkerFleet>;

/** One worker process for both task queues, as `flywheel dev` runs them (the embedded topology). */
export async function startForkedWorker(
  options: WorkerProcessOptions,
  workerOutput: (chunk: string) => void,
  logger: Logger,
): Promise<WorkerFleet> {
  let worker: ChildProcess | null = null;
  let killing = false;
  let unexpectedExits = 0;
  let closing = false;
  const startWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(join(import.meta.dirname, 'worker-process.ts'), [JSON.stringify(options)], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      child.stderr?.on('data', (chunk: Buffer) => workerOutput(chunk.toString('utf8')));
      worker = child;
      child.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') resolve();
      });
      child.once('exit', (code, signal) => {
        if (worker !== child) return;
        worker = null;
        if (killing || closing) return;
        // A worker that gives up (e.g. on a long server outage) is replaced, and counted.
        unexpectedExits++;
        logger.warn({ code, signal }, 'the worker process exited; starting another');
        startWorker().catch((error) => logger.error({ err: error }, 'cannot restart the worker'));
        reject(new Error(`the worker exited before it was ready (${signal ?? code})`));
      });
    });
  await startWorker();
  return {
    topology: 'embedded',
    async kill() {
      const victim = worker;
      if (victim) {
        killing = true;
        const exited = new Promise((resolve) => victim.once('exit', resolve));
        victim.kill('SIGKILL');
        await exited;
        killing = false;
      }
      await startWorker();
      return 'worker';
    },
    unexpectedExits: () => unexpectedExits,
    async close() {
      closing = true;
      const child = worker as ChildProcess | null;
      if (child) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Starts the campaign's stack under `root`. The worker processes' log lines go to `workerOutput`
 * (the terminal by default; the test suite holds them with its own logs). With `databaseUrl`, every
 * part uses that PostgreSQL instead of the embedded store. The gateway, the campaign's own store access and
 * its notes on the worker process log to `logger` (warnings on stderr by default; the test suite holds them).
 * `startFleet` starts its workers: one forked process by default; the production topology's two
 * `flywheel worker` processes with bench/chaos-production-stack.ts.
 */
export async function startChaosStack(
  root: string,
  workerOutput: (chunk: string) => void = (chunk) => process.stderr.write(chunk),
  databaseUrl?: string,
  logger: Logger = chaosLogger,
  startFleet: StartWorkerFleet = startForkedWorker,
): Promise<ChaosStack> {
  const dataDir = join(root, 'data');
  const temporalDir = join(root, 'temporal');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  let server: DevServer = await startDevServer({ headless: true, dataDir: temporalDir, port });
  const bundle = await bundleWorkflowCode({
    workflowsPath: DEFAULT_WORKFLOWS_PATH,
    logger: temporalLoggerFor(logger),
  });
  const bundlePath = join(root, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const options: WorkerProcessOptions = {
    address: server.address,
    namespace: server.namespace,
    dataDir,
    databaseUrl,
    taskQueue: 'chaos',
    trainingTaskQueue: 'chaos-training',
    bundlePath,
  };

  const workers = await startFleet(options, workerOutput, logger);

  const deps = await openDeps({ dataDir, databaseUrl, logger });
  const client = await FlywheelClient.connect(
    {
      address: server.address,
      namespace: server.namespace,
      connectionOptions: { address: server.address },
      embedded: false,
    },
    { taskQueue: options.taskQueue },
  );
  const openGateway = (loadShedding?: Partial<LoadSheddingOptions>) =>
    runGateway({
      dataDir,
      databaseUrl,
      port: 0,
      host: '127.0.0.1',
      logger,
      warnWhenOpen: false,
      // The load generator runs on this process's loop too: shedding on event-loop delay would measure it,
      // not the gateway, so only the in-flight bound applies here.
      options: { loadShedding: { maxEventLoopDelayMs: 0, ...loadShedding } },
    });
  let gateway = await openGateway();

  const stack: ChaosStack = {
    dataDir,
    databaseUrl,
    deps,
    client,
    get gateway() {
      return gateway;
    },
    trainingTaskQueue: options.trainingTaskQueue,
    topology: workers.topology,
    killWorker: (random) => workers.kill(random),
    async restartTemporal() {
      await server.stop();
      server = await startDevServer({ headless: true, dataDir: temporalDir, port });
    },
    unexpectedWorkerExits: () => workers.unexpectedExits(),
    async replaceGateway(loadShedding) {
      await gateway.close();
      gateway = await openGateway(loadShedding);
      return gateway;
    },
    async close() {
      await gateway.close();
      await workers.close();
      await client.close();
      await deps.close();
      await server.stop();
    },
  };
  return stack;
}
