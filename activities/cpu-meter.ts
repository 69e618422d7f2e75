/**
 * CPU-seconds spent since the meter started. Activities run on the worker's main thread, so that thread's
 * CPU time is what an activity costs (workflow code runs in other threads and is not counted); activities
 * that run side by side on one worker share the thread and each sees the other's work. Where the
 * per-thread figure is missing (Node < 23.9) it falls back to the whole process.
 */
export function startCpuMeter(): () => number {
  const read = (): NodeJS.CpuUsage =>
    typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage();
  const start = read();
  return () => {
    const now = read();
    return (now.user - start.user + (now.system - start.system)) / 1e6;
  };
}

/** The activity with the CPU-seconds each call used added to its result (the cycle's cost). */
export function metered<I, T extends object>(
  activity: (input: I) => Promise<T>,
): (input: I) => Promise<T & { cpuSeconds: number }> {
  return async (input) => {
    const meter = startCpuMeter();
    const result = await activity(input);
    return { ...result, cpuSeconds: roundCpu(meter()) };
  };
}

export function roundCpu(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
