import pg from 'pg';

const INT8_OID = 20;

/**
 * bigint columns (seq, millisecond timestamps) arrive as numbers: they stay far below 2^53, and every
 * record schema says number. Scoped to our pool instead of pg's global parser table.
 */
const numericBigints: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** The server could not be reached or refused us: a configuration problem, not a bug. */
export class PostgresUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `cannot connect to PostgreSQL at ${redactedUrl(url)}: ${cause instanceof Error ? cause.message : cause}`,
      {
        cause,
      },
    );
    this.name = 'PostgresUnreachableError';
  }
}

/** Opens a pool and proves the database answers, so a wrong URL fails at startup, not at first use. */
export async function connectPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    types: numericBigints,
    // pg waits forever by default; an unreachable host must fail in bounded time.
    connectionTimeoutMillis: 10_000,
    max: 10,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one: pg emits 'error' on a client whose connection ends between two queries
  // or during COPY, and an 'error' without a listener is thrown. The call in progress still fails (and
  // its caller releases the client as broken).
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw new PostgresUnreachableError(url, error);
  }
  return pool;
}

/** Runs `work` in one transaction on one pooled client. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back must not go back into the pool.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
