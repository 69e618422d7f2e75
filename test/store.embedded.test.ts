import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../adapters/sqlite/sqlite-file.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { EMBEDDED_MIGRATIONS } from '../adapters/store/embedded/migrations.ts';
import { describeStoreContract } from './store-contract.ts';
import { predictions } from './support/store-records.ts';

const dir = mkdtempSync(join(tmpdir(), 'flywheel-embedded-store-'));
let opened = 0;
const freshPath = () => join(dir, `store-${++opened}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('embedded', async () => openEmbeddedStore(freshPath()));

describe('embedded store shared by several processes', () => {
  it('lets the gateway and a worker write the same file at once: every batch lands, none is lost', async () => {
    const path = freshPath();
    const storeModule = new URL('../adapters/store/embedded/embedded-store.ts', import.meta.url).pathname;
    const recordsModule = new URL('./support/store-records.ts', import.meta.url).pathname;
    // Each child opens the file itself (migrating a fresh file concurrently) and writes 40 batches.
    const child = (name: string) =>
      promisify(execFile)(process.execPath, [
        '--input-type=module',
        '--no-warnings',
        '-e',
        `import { openEmbeddedStore } from ${JSON.stringify(storeModule)};
         import { predictions } from ${JSON.stringify(recordsModule)};
         const store = openEmbeddedStore(${JSON.stringify(path)});
         for (let batch = 0; batch < 40; batch++) {
           await store.predictions.insertMany(predictions(500, {}, '${name}-' + batch));
         }
         await store.close();`,
      ]);
    await Promise.all([child('gateway'), child('worker'), child('cli')]);

    const store = openEmbeddedStore(path);
    try {
      expect(await store.predictions.count('spam')).toBe(3 * 40 * 500);
      const seqs = (await store.predictions.listAfter('spam', 0, 100_000)).map((row) => row.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    } finally {
      await store.close();
    }
  });

  it('shows a write through one handle to another handle on the same file', async () => {
    const path = freshPath();
    const gateway = openEmbeddedStore(path);
    const worker = openEmbeddedStore(path);
    try {
      await gateway.predictions.insertMany(predictions(3));
      expect((await worker.predictions.listAfter('spam', 0, 10)).map((row) => row.id)).toEqual([
        'p-0',
        'p-1',
        'p-2',
      ]);
    } finally {
      await gateway.close();
      await worker.close();
    }
  });

  it('migrates feedback recorded before the sender was compared with the prediction user', async () => {
    const path = freshPath();
    const db = openSqliteFile(path, EMBEDDED_MIGRATIONS.slice(0, 3));
    db.exec(`
      INSERT INTO predictions (id, model, model_version, variant, text, label, confidence, scores, user_key,
                               served_prediction_id, latency_ms, metadata, created_at)
      VALUES ('p-1', 'spam', 'v1', 'champion', 'hello', 'ham', 0.9, '{}', 'alice', NULL, 1, '{}', 1);
      INSERT INTO feedback (id, prediction_id, model, kind, label, user_key, created_at) VALUES
        ('f-own', 'p-1', 'spam', 'incorrect', NULL, 'alice', 2),
        ('f-stranger', 'p-1', 'spam', 'incorrect', NULL, 'mallory', 3),
        ('f-anonymous', 'p-1', 'spam', 'incorrect', NULL, NULL, 4),
        ('f-orphan', 'p-gone', 'spam', 'incorrect', NULL, 'alice', 5);
    `);
    db.close();
    const store = openEmbeddedStore(path);
    try {
      const rows = await store.feedback.listAfter('spam', 0, 10);
      expect(rows.map((row) => [row.id, row.fromPredictionUser])).toEqual([
        ['f-own', true],
        ['f-stranger', false],
        ['f-anonymous', false],
        ['f-orphan', false],
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses a file written by a newer Flywheel', async () => {
    const path = freshPath();
    const store = openEmbeddedStore(path);
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run(
      'from-the-future',
    );
    db.close();
    expect(() => openEmbeddedStore(path)).toThrow(/schema version 99, newer than this Flywheel knows/);
  });

  it('makes a new file with 8 KiB pages and opens an older file with 4 KiB pages as it is', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const pageSize = (path: string) => {
      const db = new DatabaseSync(path);
      try {
        return db.prepare('PRAGMA page_size').get()?.page_size;
      } finally {
        db.close();
      }
    };
    const fresh = freshPath();
    await openEmbeddedStore(fresh).close();
    expect(pageSize(fresh)).toBe(8192);

    const older = freshPath();
    const db = new DatabaseSync(older);
    db.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE kept (a)');
    db.close();
    const store = openEmbeddedStore(older);
    await store.predictions.insertMany(predictions(3));
    expect(await store.predictions.count('spam')).toBe(3);
    await store.close();
    expect(pageSize(older)).toBe(4096);
  });
});
