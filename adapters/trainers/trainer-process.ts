import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processCpuSeconds } from './process-cpu.ts';

export interface TrainerProcessOptions {
  command: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  /** Called for each stdout line, in order; a rejection stops the program and fails the run. */
  onLine: (line: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when the program must stop. */
  killGraceMs: number;
  /** How many trailing stderr lines an error quotes. */
  stderrLines: number;
  /** Receives the program's CPU-seconds so far (see process-cpu.ts), sampled while it runs. */
  onCpuSeconds?: (seconds: number) => void;
}

/** How often a running program's CPU time is sampled (it is also sampled at each line it writes). */
const CPU_SAMPLE_EVERY_MS = 250;

/** Processes still running, killed when this process exits so no trainer outlives its worker's exit. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Runs a training program to completion. Resolves when it exits 0; rejects on any other exit with its
 * last stderr lines, on a failed line handler, or on abort (after stopping it). The program runs in its
 * own process group, so a wrapper script's children are stopped with it.
 */
export function runTrainerProcess(options: TrainerProcessOptions): Promise<void> {
  const [program, ...args] = options.command;
  if (!program) return Promise.reject(new Error('the trainer command is empty'));
  options.signal?.throwIfAborted();
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    const sampleCpu = () => {
      if (!options.onCpuSeconds || child.pid === undefined) return;
      const seconds = processCpuSeconds(child.pid);
      if (seconds !== null) options.onCpuSeconds(seconds);
    };
    const cpuSampler = options.onCpuSeconds ? setInterval(sampleCpu, CPU_SAMPLE_EVERY_MS) : null;
    const stderrTail: string[] = [];
    let failure: unknown = null;
    let settled = false;

    const stop = (reason: unknown) => {
      failure ??= reason;
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      setTimeout(() => signalGroup(child, 'SIGKILL'), options.killGraceMs).unref();
    };
    const onAbort = () => stop(options.signal?.reason ?? new Error('training was aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > options.stderrLines) stderrTail.shift();
    });
    // Lines are handled one after another, even when a handler is asynchronous (checkpoint reads).
    let queue = Promise.resolve();
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // At each line the program is most likely still running (a progress line ends an epoch).
      sampleCpu();
      queue = queue.then(async () => {
        if (failure !== null) return;
        try {
          await options.onLine(line);
        } catch (error) {
          stop(error);
        }
      });
    });

    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      running.delete(child);
      if (cpuSampler) clearInterval(cpuSampler);
      options.signal?.removeEventListener('abort', onAbort);
      if (error === null) resolve();
      else reject(error);
    };
    child.once('error', (error) => {
      finish(new Error(`could not start trainer command "${options.command.join(' ')}": ${error.message}`));
    });
    child.once('close', (code, signal) => {
      void queue.then(() => {
        if (failure !== null) return finish(failure);
        if (code === 0) return finish(null);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail =
          stderrTail.length > 0
            ? `; last stderr lines:\n${stderrTail.join('\n')}`
            : '; it wrote nothing to stderr';
        finish(new Error(`trainer command "${options.command.join(' ')}" ${how}${tail}`));
      });
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the detached child leads.
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
}
