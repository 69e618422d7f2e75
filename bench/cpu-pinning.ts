import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPU affinity for benchmarks that run a load generator on the machine they measure (Linux, taskset
 * from util-linux). Affinity is per thread on Linux: pinning this process's id pins its main thread
 * only; threads started later inherit it.
 */
export function canPin(): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function pinThread(threadId: number, cpu: number): void {
  execFileSync('taskset', ['-p', '-c', String(cpu), String(threadId)], { stdio: 'ignore' });
}

/**
 * Pins the thread of this process with the given name (Node names a worker thread after its `name`)
 * once it exists: looks every 20 ms, pins it once (taskset blocks this thread for a few ms, so it is
 * not run again), then stops looking. Returns a function that stops looking early.
 */
export function pinThreadWhenStarted(name: string, cpu: number): () => void {
  const look = setInterval(() => {
    for (const task of readdirSync('/proc/self/task')) {
      let comm: string;
      try {
        comm = readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
      } catch {
        continue; // the thread ended
      }
      if (comm !== name) continue;
      clearInterval(look);
      pinThread(Number(task), cpu);
      return;
    }
  }, 20);
  return () => clearInterval(look);
}

/** The command line that runs `args` on one CPU. */
export function onCpu(cpu: number, command: string, args: string[]): [string, string[]] {
  return ['taskset', ['-c', String(cpu), command, ...args]];
}
