/**
 * The campaign's stack on the production topology (as test/production-topology.test.ts runs it): the store
 * and capture on a throwaway PostgreSQL (test/support/postgres.ts), the flags in a real Unleash server on a
 * database of it (test/support/unleash.ts), the artifacts in an S3 bucket (versitygw,
 * test/support/s3-server.ts), and the worker split in two `flywheel worker` processes — `--no-training`
 * (workflows and the main queue) and `--training-only` (the training queue) — each with an empty data
 * folder of its own, so they share nothing but Temporal, PostgreSQL, Unleash and S3. The Temporal dev server
 * runs on a database file (so the restart row can restart it) and the gateway in the campaign's process, as
 * on the embedded stack; its store, flags (read through unleash-client) and artifacts are the shared ones.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../adapters/log/logger.ts';
import { type FlywheelProcess, startFlywheelProcess } from '../test/support/flywheel-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import { startThrowawayS3, type ThrowawayS3 } from '../test/support/s3-server.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from '../test/support/unleash.ts';
import { type ChaosStack, chaosLogger, startChaosStack, type WorkerFleet } from './chaos-stack.ts';
import type { WorkerProcessOptions } from './worker-process.ts';

/** A `flywheel worker` logs this (level info) once its workers poll. */
const READY = /worker running/;

export type WorkerKind = 'main' | 'training';
const KIND_ARGS: Record<WorkerKind, string> = { main: '--no-training', training: '--training-only' };

/**
 * Starts PostgreSQL, Unleash, S3 and the campaign's stack over them. The campaign's own store access and
 * gateway read the shared services from this process's environment, set here and restored by close().
 */
export async function startProductionChaosStack(
  root: string,
  workerOutput: (chunk: string) => void = (chunk) => process.stderr.write(chunk),
  logger: Logger = chaosLogger,
): Promise<ChaosStack> {
  mkdirSync(root, { recursive: true });
  const envBefore = { ...process.env };
  const restoreEnv = () => {
    for (const name of Object.keys(process.env)) if (!(name in envBefore)) delete process.env[name];
    Object.assign(process.env, envBefore);
  };
  let postgres: ThrowawayPostgres | null = null;
  let unleash: ThrowawayUnleash | null = null;
  let s3: ThrowawayS3 | null = null;
  const stopServices = async () => {
    await s3?.stop();
    await unleash?.stop();
    await postgres?.stop();
    restoreEnv();
  };
  try {
    postgres = await startThrowawayPostgres();
    unleash = await startThrowawayUnleash(postgres);
    s3 = await startThrowawayS3();
    const bucket = await s3.createBucket();
    const shared: Record<string, string> = {
      FLYWHEEL_DATABASE_URL: postgres.url,
      ...s3.env(bucket),
      FLYWHEEL_FLAGS: 'unleash',
      FLYWHEEL_UNLEASH_URL: unleash.url,
      FLYWHEEL_UNLEASH_ENVIRONMENT: unleash.environment,
    };
    // The campaign writes champions (registry, S3) with the admin token; its gateway reads flags with the
    // backend token, refreshing every 200 ms as the topology test's replicas do.
    Object.assign(process.env, shared, {
      FLYWHEEL_UNLEASH_ADMIN_TOKEN: unleash.adminToken,
      FLYWHEEL_UNLEASH_BACKEND_TOKEN: unleash.backendToken,
      FLYWHEEL_UNLEASH_REFRESH_MS: '200',
    });
    // Workers write flags: the admin token only.
    const workerEnv = { ...shared, FLYWHEEL_UNLEASH_ADMIN_TOKEN: unleash.adminToken };
    const stack = await startChaosStack(
      root,
      workerOutput,
      postgres.url,
      logger,
      (options, output, fleetLogger) => startSplitWorkers(options, workerEnv, root, output, fleetLogger),
    );
    return {
      ...stack,
      // The getter (the gateway is replaced between rows) must survive the spread.
      get gateway() {
        return stack.gateway;
      },
      async close() {
        await stack.close();
        await stopServices();
      },
    };
  } catch (error) {
    await stopServices();
    throw error;
  }
}

/**
 * A `--no-training` and a `--training-only` `flywheel worker` (test/support/flywheel-process.ts starts and
 * kills each). kill() picks one with `random` (the main one without it), SIGKILLs it and starts its
 * replacement at once, each in a fresh data folder; a worker that exits unasked is counted and replaced.
 * Only their warnings and errors are passed on to `output`.
 */
async function startSplitWorkers(
  options: WorkerProcessOptions,
  env: Record<string, string>,
  root: string,
  output: (chunk: string) => void,
  logger: Logger,
): Promise<WorkerFleet> {
  const running = new Map<WorkerKind, FlywheelProcess>();
  const killing = new Set<FlywheelProcess>();
  let closing = false;
  let unexpectedExits = 0;
  let started = 0;
  const start = async (kind: WorkerKind): Promise<void> => {
    const dataDir = join(root, `worker-${kind}-${++started}`);
    mkdirSync(dataDir, { recursive: true });
    const worker = await startFlywheelProcess(
      `the ${kind} worker`,
      [
        'worker',
        '--task-queue',
        options.taskQueue,
        '--training-task-queue',
        options.trainingTaskQueue,
        KIND_ARGS[kind],
      ],
      {
        ...env,
        TEMPORAL_ADDRESS: options.address,
        TEMPORAL_NAMESPACE: options.namespace,
        FLYWHEEL_DATA_DIR: dataDir,
        // Info, to see its ready line; only warnings and errors are passed on.
        FLYWHEEL_LOG_LEVEL: 'info',
      },
      READY,
    );
    // A replacement that became ready after close() has no one left to stop it.
    if (closing) {
      await worker.kill();
      return;
    }
    running.set(kind, worker);
    passWarnings(worker, output);
    worker.child.once('exit', (code, signal) => {
      if (running.get(kind) === worker) running.delete(kind);
      if (killing.has(worker) || closing) return;
      unexpectedExits++;
      logger.warn({ kind, code, signal }, 'a worker process exited; starting another');
      start(kind).catch((error) => logger.error({ err: error }, `cannot restart the ${kind} worker`));
    });
  };
  const stop = async (worker: FlywheelProcess) => {
    killing.add(worker);
    await worker.kill();
  };
  await Promise.all([start('main'), start('training')]);
  return {
    topology: 'production',
    async kill(random) {
      const kind: WorkerKind = random && random() >= 0.5 ? 'training' : 'main';
      const victim = running.get(kind);
      if (victim) await stop(victim);
      await start(kind);
      return kind;
    },
    unexpectedExits: () => unexpectedExits,
    async close() {
      closing = true;
      await Promise.all([...running.values()].map(stop));
    },
  };
}

/** The warnings a worker wrote before it was ready, then each one as it comes, a whole line at a time. */
function passWarnings(worker: FlywheelProcess, output: (chunk: string) => void): void {
  let partial = '';
  const pass = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (isWarning(line)) output(`${line}\n`);
  };
  pass(worker.output());
  worker.child.stdout?.on('data', (chunk: Buffer) => pass(chunk.toString('utf8')));
  worker.child.stderr?.on('data', (chunk: Buffer) => pass(chunk.toString('utf8')));
}

/** A JSON log line at warn (40) or above, or a line that is not JSON (a crash's stack trace). */
function isWarning(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    return Number((JSON.parse(line) as { level?: unknown }).level) >= 40;
  } catch {
    return true;
  }
}
