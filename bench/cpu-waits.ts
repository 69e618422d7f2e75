import { readFileSync } from 'node:fs';

/**
 * CPU time a benchmark's threads did not get, from Linux's accounting (0 elsewhere): what the
 * hypervisor gave another guest, and what a ready thread spent waiting for its cpu.
 */

/** /proc/stat counts in clock ticks of 1/100 s on every Linux this runs on (USER_HZ). */
const USER_HZ = 100;

/** Time the hypervisor gave `cpu`'s turn to another guest since boot, in ms (/proc/stat steal). */
export function stolenMs(cpu: number): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    return line ? (Number(line.trim().split(/\s+/)[8]) * 1000) / USER_HZ : 0;
  } catch {
    return 0;
  }
}

/** Time the calling thread has spent ready to run but not running, in ms (schedstat). */
export function runQueueWaitMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}
