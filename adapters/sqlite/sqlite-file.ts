import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { assertNotNewerThanKnown, assertNumberedInOrder, type SchemaMigration } from '../schema-migration.ts';

export interface OpenSqliteOptions {
  /** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when absent) a SQLite file shared by several processes (gateway and worker): WAL so
 * readers never block the writer, a busy timeout so concurrent writers queue instead of failing, and
 * the schema brought up to date before anything else touches it.
 */
export function openSqliteFile(
  path: string,
  migrations: readonly SchemaMigration[],
  options: OpenSqliteOptions = {},
): DatabaseSync {
  mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, {
    timeout: options.busyTimeoutMs ?? 10_000,
    enableForeignKeyConstraints: true,
  });
  try {
    // Takes effect in a new file only (before its first table; an existing file keeps its pages).
    // Captured mail averages ~4 KB a row: with 8 KiB pages most rows fit in one page instead of
    // spilling into overflow pages, and capture's inserts take ~12% less CPU per row than with 4 KiB.
    db.exec('PRAGMA page_size = 8192');
    // WAL is a property of the file: the first opener switches it, later openers find it on.
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
    db.exec('PRAGMA synchronous = NORMAL');
    // Each checkpoint fsyncs; checkpointing every 10,000 pages of WAL (~80 MB with 8 KiB pages, ~40 MB
    // in an older file) instead of every 1,000 (the default) makes capture ingest markedly faster on a
    // busy disk, at the price of a larger -wal file.
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    migrate(db, path, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Runs `work` in one write transaction. BEGIN IMMEDIATE takes the write lock up front: a deferred
 * transaction that reads and then writes can fail with SQLITE_BUSY without waiting out the busy timeout.
 */
export function writeTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function migrate(db: DatabaseSync, path: string, migrations: readonly SchemaMigration[]): void {
  assertNumberedInOrder(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  // Inside the write lock, so two processes opening a fresh file do not both apply the same migration.
  writeTransaction(db, () => {
    const applied = new Set(
      db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => Number(row.version)),
    );
    assertNotNewerThanKnown(path, applied, migrations);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  });
}
