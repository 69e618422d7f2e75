import type pg from 'pg';
import {
  assertNotNewerThanKnown,
  assertNumberedInOrder,
  type SchemaMigration,
} from '../../schema-migration.ts';
import { redactedUrl } from './pool.ts';

// Any fixed number works; it only has to differ from other advisory locks taken on the same database.
const MIGRATION_LOCK = 7_231_004;

/**
 * Brings the schema up to date. A session advisory lock makes concurrent openers (gateway and worker
 * starting together) take turns; each migration commits with its version row or not at all.
 */
export async function migratePostgres(
  pool: pg.Pool,
  url: string,
  migrations: readonly SchemaMigration[],
): Promise<void> {
  assertNumberedInOrder(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at bigint NOT NULL
      )`);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      assertNotNewerThanKnown(redactedUrl(url), applied, migrations);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, Date.now()],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(
            `migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
