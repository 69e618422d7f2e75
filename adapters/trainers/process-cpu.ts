import { readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ, the same on every architecture). */
const TICKS_PER_SECOND = 100;

/**
 * CPU-seconds a running process has used, with those of its children it has waited for (a wrapper
 * script's finished steps), read from /proc. Null where there is no /proc or the process is gone: the
 * figure of a process can only be read while it runs, so callers sample it.
 */
export function processCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of proc(5): utime, stime, cutime, cstime; fields[0] is field 3.
  const ticks = [11, 12, 13, 14].map((index) => Number(fields[index]));
  if (ticks.some((value) => !Number.isFinite(value))) return null;
  return ticks.reduce((sum, value) => sum + value, 0) / TICKS_PER_SECOND;
}
