/**
 * Where the campaign's rows say what they are doing ("stopping PostgreSQL for 30 s…"): stderr when
 * bench/chaos.ts runs them; the test suite's short versions hold these lines with their logs.
 */
let sink: (text: string) => void = (text) => process.stderr.write(text);

/** Sends every row's progress lines to `to` instead of stderr (the tests pass `holdOutput`). */
export function holdChaosProgress(to: (text: string) => void): void {
  sink = to;
}

/** A row's progress line writer: `chaos: <row>: <line>`. */
export function chaosProgress(row: string): (line: string) => void {
  return (line) => sink(`chaos: ${row}: ${line}\n`);
}
