import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './cli-process.ts';

/** A `flywheel` command running as its own process (a gateway, a worker), as a deployment runs it. */
export interface FlywheelProcess {
  name: string;
  child: ChildProcess;
  /** The last lines it wrote (stdout and stderr), for a failing test's message. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, a lost host. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;

/**
 * Starts `flywheel <args>` with `env` and waits until its output matches `ready` (a gateway prints its
 * address, a worker logs that it runs). Fails with its output when it exits first or stays silent.
 */
export async function startFlywheelProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<FlywheelProcess & { readyLine: string }> {
  const child = spawnCli(args, env);
  let output = '';
  let readyLine: string | null = null;
  let onReady: (() => void) | null = null;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    if (readyLine === null) {
      const line = output.split('\n').find((l) => ready.test(l));
      if (line) {
        readyLine = line;
        onReady?.();
      }
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 20_000) => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const process: FlywheelProcess = {
    name,
    child,
    output: () => output,
    stop,
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)),
        READY_TIMEOUT_MS,
      );
      onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      if (readyLine !== null) onReady();
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  return { ...process, readyLine: readyLine ?? '' };
}
