import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { promisify } from 'node:util';

/** How the capture writer thread asks Linux to share a cpu with other work. */
export interface WriterScheduling {
  /** The thread's nice value (0 to 19). */
  writerNice: number;
  /**
   * Also run the thread under SCHED_IDLE (set with util-linux's `chrt`): any other ready thread on
   * its cpu takes the cpu at once. A nice thread, even at 19, may keep the cpu for the rest of its
   * time slice (milliseconds) when a request's thread wakes.
   */
  writerIdle: boolean;
}

/** Throws, naming the option and its rule, when a setting is out of range. */
export function assertWriterScheduling({ writerNice, writerIdle }: WriterScheduling): void {
  if (!Number.isInteger(writerNice) || writerNice < 0 || writerNice > 19) {
    throw new Error(`threaded capture: writerNice must be an integer from 0 to 19, not ${writerNice}`);
  }
  if (typeof writerIdle !== 'boolean') {
    throw new Error(`threaded capture: writerIdle must be true or false, not ${writerIdle}`);
  }
}

export interface SchedulingProblem {
  message: string;
  error: unknown;
}

/**
 * Lowers the calling thread's claim on its cpu, on Linux only: elsewhere a nice value applies to the
 * whole process, event loop included, so nothing is changed. Resolves to what could not be done, each
 * with its cause; the thread runs on as its parent does in those respects.
 */
export async function lowerThreadPriority(scheduling: WriterScheduling): Promise<SchedulingProblem[]> {
  if (process.platform !== 'linux') return [];
  const problems: SchedulingProblem[] = [];
  if (scheduling.writerNice !== 0) {
    try {
      // On Linux a nice value belongs to a thread: this one, not the event loop's.
      setPriority(scheduling.writerNice);
    } catch (error) {
      problems.push({ message: `cannot set its nice value to ${scheduling.writerNice}`, error });
    }
  }
  if (scheduling.writerIdle) {
    try {
      await promisify(execFile)('chrt', ['--idle', '--pid', '0', threadId()], { timeout: 5_000 });
    } catch (error) {
      problems.push({ message: 'cannot run under SCHED_IDLE (chrt --idle)', error });
    }
  }
  return problems;
}

/** The kernel's id of the calling thread: /proc/thread-self links to `<pid>/task/<tid>`. */
function threadId(): string {
  return readlinkSync('/proc/thread-self').split('/').pop()!;
}
