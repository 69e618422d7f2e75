/**
 * One description of a table that both stores read: its columns in order, what kind of value each holds,
 * and the record field it maps to. The dialects differ only in how a kind travels — the embedded store
 * keeps JSON as TEXT and booleans as 0/1, PostgreSQL has jsonb and boolean — so adding a column is one
 * line here plus a migration per dialect.
 */
export type ColumnKind = 'text' | 'integer' | 'real' | 'boolean' | 'json';
export type Dialect = 'embedded' | 'postgres';

export interface ColumnMapping<R> {
  column: string;
  field: keyof R & string;
  kind: ColumnKind;
  /** Stored when the record has no value (null or undefined); default null. */
  whenAbsent?: unknown;
}

export interface TableMapping<R> {
  table: string;
  columns: readonly ColumnMapping<R>[];
}

/** `a, b, c`: the columns in their order, for INSERT and SELECT lists. */
export function columnList<R>(mapping: TableMapping<R>): string {
  return mapping.columns.map((c) => c.column).join(', ');
}

/** A record's values in column order, encoded as the dialect stores them. */
export function rowValues<R>(mapping: TableMapping<R>, record: R, dialect: Dialect): unknown[] {
  return mapping.columns.map((c) => encodeValue(c, record[c.field], dialect));
}

/** Column-wise arrays of many records (PostgreSQL's unnest inserts take one array per column). */
export function columnArrays<R>(
  mapping: TableMapping<R>,
  records: readonly R[],
  dialect: Dialect,
): unknown[][] {
  return mapping.columns.map((c) => records.map((record) => encodeValue(c, record[c.field], dialect)));
}

/** The record a row holds. */
export function recordOf<R>(mapping: TableMapping<R>, row: Record<string, unknown>, dialect: Dialect): R {
  const record: Record<string, unknown> = {};
  for (const c of mapping.columns) record[c.field] = decodeValue(c.kind, row[c.column], dialect);
  return record as R;
}

/**
 * The record of a row read as an array (node:sqlite's `setReturnArrays`, pg's `rowMode: 'array'`), its
 * values in the mapping's column order from `offset` on, with `seq` from position 0 when `offset` is 1.
 * A page of a million-row walk is read this way: node:sqlite hands each row over as an object without
 * prototype in dictionary mode (over a kilobyte of heap per row before any of its values), and copying
 * it into a record doubled the garbage a walk leaves behind.
 */
export function recordOfValues<R>(
  mapping: TableMapping<R>,
  values: readonly unknown[],
  dialect: Dialect,
  offset = 0,
): R {
  const record: Record<string, unknown> = {};
  const { columns } = mapping;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    record[c.field] = decodeValue(c.kind, values[i + offset], dialect);
  }
  if (offset === 1) record.seq = Number(values[0]);
  return record as R;
}

/** PostgreSQL array types for unnest, by kind; JSON travels as text and is cast where it is selected. */
export const POSTGRES_ARRAY_TYPE: Record<ColumnKind, string> = {
  text: 'text[]',
  integer: 'bigint[]',
  real: 'float8[]',
  boolean: 'boolean[]',
  json: 'text[]',
};

function encodeValue<R>(column: ColumnMapping<R>, given: unknown, dialect: Dialect): unknown {
  const value = given ?? column.whenAbsent ?? null;
  if (value === null) return null;
  if (dialect === 'postgres') {
    // JSON writes a NUL as the escape \u0000 (after an even run of backslashes: an escaped backslash
    // followed by "u0000" is text, not a NUL).
    if (column.kind === 'json') return postgresJsonText(value);
    if (column.kind === 'text' && typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
    return value;
  }
  if (column.kind === 'json') return JSON.stringify(value);
  if (column.kind === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * PostgreSQL's text and jsonb cannot hold the NUL character; one captured mail with a NUL in it would
 * fail its whole batch. It is stored as U+FFFD (the replacement character) instead.
 */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** A value as JSON text for a PostgreSQL jsonb column: an escaped NUL becomes U+FFFD (see above). */
export function postgresJsonText(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') ? json.replace(ESCAPED_NUL, '$1\\ufffd') : json;
}

function decodeValue(kind: ColumnKind, value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  if (dialect === 'postgres') return value;
  if (kind === 'json') return JSON.parse(value as string);
  if (kind === 'boolean') return Number(value) === 1;
  return value;
}

/** `(?, ?, …)`: one row's placeholders for the embedded store. */
export function embeddedPlaceholders<R>(mapping: TableMapping<R>): string {
  return `(${mapping.columns.map(() => '?').join(', ')})`;
}

/** `b = excluded.b, …` for every column but the key: an upsert that keeps the row (and its seq). */
export function updateFromExcluded<R>(mapping: TableMapping<R>, key = 'id'): string {
  return mapping.columns
    .filter((c) => c.column !== key)
    .map((c) => `${c.column} = excluded.${c.column}`)
    .join(', ');
}

/**
 * `SELECT … FROM unnest($1::text[], …) AS batch(…)`: many rows in one PostgreSQL statement, one array
 * parameter per column (see columnArrays); JSON arrives as text and is cast here. `from` names other
 * relations to join first (an advisory-lock CTE).
 */
export function postgresUnnestSelect<R>(mapping: TableMapping<R>, from = ''): string {
  const columns = columnList(mapping);
  const arrays = mapping.columns.map((c, i) => `$${i + 1}::${POSTGRES_ARRAY_TYPE[c.kind]}`).join(', ');
  const selected = mapping.columns
    .map((c) => (c.kind === 'json' ? `${c.column}::jsonb` : c.column))
    .join(', ');
  return `SELECT ${selected} FROM ${from ? `${from}, ` : ''}unnest(${arrays}) AS batch(${columns})`;
}

/** `($1, $2, …)`: one row's placeholders for PostgreSQL (JSON as text, which the column casts). */
export function postgresPlaceholders<R>(mapping: TableMapping<R>): string {
  return `(${mapping.columns.map((_, i) => `$${i + 1}`).join(', ')})`;
}
