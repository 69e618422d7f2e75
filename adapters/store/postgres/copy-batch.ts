import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type ColumnMapping, columnList, postgresJsonText, type TableMapping } from '../table-mapping.ts';

const UNIQUE_VIOLATION = '23505';
/**
 * Rows per CopyData message. The server starts parsing and inserting the first chunk while the next
 * one is encoded here, so encoding and inserting overlap instead of adding up; small enough that the
 * first chunk leaves early, large enough that messages stay few.
 */
const CHUNK_ROWS = 64;

/**
 * Writes a batch with COPY (PostgreSQL's bulk path: no per-row statement, no parameter arrays to
 * parse), after taking `lock` (a transaction-scoped advisory lock, see capture.ts) so that sequence
 * order stays commit order. COPY cannot skip rows that are already there: when any id of the batch is
 * (a retried batch whose first commit did land), the whole COPY rolls back and false is returned, so
 * the caller writes the batch with its INSERT … ON CONFLICT DO NOTHING instead. Nothing is half-written.
 *
 * The COPY starts once the transaction holds the lock (one round trip: pg deprecates queueing a second
 * query on a client before the first is answered, and warns on the terminal when it is done); the rows
 * are then encoded chunk by chunk while the server inserts the previous ones. Commit durability is the
 * server's `synchronous_commit`, untouched here: an acknowledged batch is as durable as any other write.
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
    const copied = finished(copy);
    const encode = copyEncoder(mapping);
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const chunk = encodeRows(encode, rows, start, Math.min(rows.length, start + CHUNK_ROWS));
      if (!copy.write(chunk)) await Promise.race([once(copy, 'drain'), copied]);
    }
    copy.end();
    await copied;
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
  return encodeRows(copyEncoder(mapping), rows, 0, rows.length);
}

type RowEncoder<R> = (row: R) => string;

function encodeRows<R>(encode: RowEncoder<R>, rows: readonly R[], start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += encode(rows[i]!);
  return text;
}

const encoders = new WeakMap<object, RowEncoder<never>>();

/**
 * One function per table that writes a row's line: each column's encoding is chosen once here, not per
 * value (a capture batch runs it for every row, and generic per-value dispatch cost as much as the
 * server's insert). Same values as table-mapping's postgres dialect.
 */
function copyEncoder<R>(mapping: TableMapping<R>): RowEncoder<R> {
  const known = encoders.get(mapping) as RowEncoder<R> | undefined;
  if (known) return known;
  const columns = mapping.columns.map(columnEncoder);
  const encode: RowEncoder<R> = (row) => {
    let line = columns[0]!(row);
    for (let i = 1; i < columns.length; i++) line += `\t${columns[i]!(row)}`;
    return `${line}\n`;
  };
  encoders.set(mapping, encode as RowEncoder<never>);
  return encode;
}

const NULL = '\\N';

function columnEncoder<R>(column: ColumnMapping<R>): (row: R) => string {
  const field = column.field;
  const absent = column.whenAbsent ?? null;
  const read = (row: R): unknown => row[field] ?? absent;
  switch (column.kind) {
    case 'json':
      return (row) => {
        const value = read(row);
        return value === null ? NULL : escapeCopyText(postgresJsonText(value));
      };
    case 'boolean':
      return (row) => {
        const value = read(row);
        return value === null ? NULL : value ? 't' : 'f';
      };
    case 'integer':
    case 'real':
      // Numbers print as the shortest text that reads back as the same double.
      return (row) => {
        const value = read(row);
        return value === null
          ? NULL
          : typeof value === 'number'
            ? String(value)
            : escapeCopyText(String(value));
      };
    default:
      return (row) => {
        const value = read(row);
        if (value === null) return NULL;
        const text = String(value);
        // PostgreSQL's text cannot hold NUL; table-mapping stores it as U+FFFD (the replacement character).
        return escapeCopyText(text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);
      };
  }
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIALS = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Backslash, newline, carriage return and tab are COPY's delimiters and escapes; nothing else needs escaping. */
function escapeCopyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : value;
}
