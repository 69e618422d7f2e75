import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** The 1-, 5- and 15-minute load averages: other work on the machine moves every figure. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/** One line naming the machine a reading was taken on, with the load at the moment it is printed. */
export function machineLine(): string {
  return (
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}; ` +
    `load average ${loadAverage()}`
  );
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rows padded into columns, the first row being the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Progress for the person watching, on stderr so that stdout holds only the figures. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}
