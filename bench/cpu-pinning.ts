import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

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
 * Moves every thread of process `pid` to `cpu` (taskset -a): its event loop, libuv's and V8's threads and
 * any worker thread already started; threads started later inherit the cpu of the thread that starts them.
 */
export function pinProcess(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The cpu a benchmark's serving event loops are pinned to. */
export const SERVING_CPU = 0;

/** The last online cpu (availableParallelism() counts only the cpus a pinned thread may use). */
export const LAST_CPU = cpus().length - 1;

/**
 * Moves this process's thread of the given name (Node names a worker thread after its `name`) to `cpu`
 * once it exists: a thread inherits the affinity of the thread that started it. Looks every 20 ms
 * and, once found, runs taskset once (it blocks the event loop for a few ms) and stops looking.
 */
export function pinThreadWhenStarted(name: string, cpu: number): void {
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
  look.unref();
}
