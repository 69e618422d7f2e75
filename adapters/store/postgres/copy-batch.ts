import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { columnList, type Dialect, rowValues, type TableMapping } from '../table-mapping.ts';

const UNIQUE_VIOLATION = '23505';
const DIALECT: Dialect = 'postgres';

/**
 * Writes a batch with COPY (PostgreSQL's bulk path: no per-row statement, no parameter arrays to
 * parse), after taking `lock` (a transaction-scoped advisory lock, see capture.ts) so that sequence
 * order stays commit order. COPY cannot skip rows that are already there: when any id of the batch is
 * (a retried batch whose first commit did land), the whole COPY rolls back and false is returned, so
 * the caller writes the batch with its INSERT … ON CONFLICT DO NOTHING instead. Nothing is half-written.
 */
export async function copyBatch<R>(
  pool: pg.Pool,
  mapping: TableMapping<R>,
  lock: readonly [number, number],
  rows: readonly R[],
): Promise<boolean> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lock[0]}, ${lock[1]})`);
    const copy = client.query(copyFrom(`COPY ${mapping.table} (${columnList(mapping)}) FROM STDIN`));
    await pipeline(Readable.from([copyText(mapping, rows)]), copy);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    // A connection that cannot even roll back must not go back into the pool.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The rows in COPY's text format: tab-separated columns, one line per row, \N for null. */
export function copyText<R>(mapping: TableMapping<R>, rows: readonly R[]): string {
  let text = '';
  for (const row of rows) {
    const values = rowValues(mapping, row, DIALECT);
    for (let i = 0; i < values.length; i++) {
      if (i > 0) text += '\t';
      text += copyValue(values[i]);
    }
    text += '\n';
  }
  return text;
}

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  // Numbers print as the shortest text that reads back as the same double.
  if (typeof value === 'number') return String(value);
  return escapeCopyText(String(value));
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Backslash, newline, carriage return and tab are COPY's delimiters and escapes; nothing else needs escaping. */
function escapeCopyText(value: string): string {
  return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : value;
}
