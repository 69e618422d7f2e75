import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../adapters/store/postgres/migrate.ts';
import { POSTGRES_MIGRATIONS } from '../adapters/store/postgres/migrations.ts';
import { connectPool } from '../adapters/store/postgres/pool.ts';
import { openPostgresStore } from '../adapters/store/postgres/postgres-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { describeStoreContract } from './store-contract.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { predictions } from './support/store-records.ts';

let postgres: ThrowawayPostgres;
beforeAll(async () => {
  postgres = await startThrowawayPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

describeStoreContract('postgres', async () => openPostgresStore(await postgres.createDatabase()));

describe('postgres store and texts PostgreSQL cannot hold', () => {
  it('stores a prediction whose text and metadata hold a NUL character, with U+FFFD in its place', async () => {
    const store = await openPostgresStore(await postgres.createDatabase());
    try {
      const [row] = predictions(1, {}, 'nul');
      const batch = [
        {
          ...row!,
          text: 'Subject: binary\u0000attachment',
          metadata: { 'x\u0000': 'a\u0000b', kept: 'a backslash: \\u0000' },
        },
        ...predictions(3, {}, 'nul-neighbours'),
      ];
      await store.predictions.insertMany(batch);
      expect(await store.predictions.count('spam')).toBe(4);
      expect(await store.predictions.get(batch[0]!.id)).toMatchObject({
        text: 'Subject: binary\uFFFDattachment',
        metadata: { 'x\uFFFD': 'a\uFFFDb', kept: 'a backslash: \\u0000' },
      });
    } finally {
      await store.close();
    }
  });
});

describe('postgres store with several processes', () => {
  it('never lets a reader paging by watermark skip a row while writers commit concurrently', async () => {
    const url = await postgres.createDatabase();
    const writers = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url)));
    const reader = await openPostgresStore(url);
    try {
      let writing = true;
      const written = Promise.all(
        writers.map(async (writer, w) => {
          for (let batch = 0; batch < 40; batch++) {
            await writer.predictions.insertMany(predictions(25, {}, `w${w}-b${batch}`));
          }
        }),
      ).finally(() => {
        writing = false;
      });

      const seen: string[] = [];
      let watermark = 0;
      const readPage = async () => {
        const page = await reader.predictions.listAfter('spam', watermark, 500);
        for (const row of page) seen.push(row.id);
        if (page.length > 0) watermark = page.at(-1)!.seq;
        return page.length;
      };
      while (writing) await readPage();
      await written;
      while ((await readPage()) > 0);

      expect(seen.length).toBe(4 * 40 * 25);
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await Promise.all([...writers, reader].map((store: FlywheelStore) => store.close()));
    }
  });

  it('migrates feedback recorded before the sender was compared with the prediction user', async () => {
    const url = await postgres.createDatabase();
    const pool = await connectPool(url);
    try {
      await migratePostgres(pool, url, POSTGRES_MIGRATIONS.slice(0, 3));
      await pool.query(`
        INSERT INTO predictions (id, model, model_version, variant, text, label, confidence, scores, user_key,
                                 served_prediction_id, latency_ms, metadata, created_at)
        VALUES ('p-1', 'spam', 'v1', 'champion', 'hello', 'ham', 0.9, '{}', 'alice', NULL, 1, '{}', 1);
        INSERT INTO feedback (id, prediction_id, model, kind, label, user_key, created_at) VALUES
          ('f-own', 'p-1', 'spam', 'incorrect', NULL, 'alice', 2),
          ('f-stranger', 'p-1', 'spam', 'incorrect', NULL, 'mallory', 3),
          ('f-anonymous', 'p-1', 'spam', 'incorrect', NULL, NULL, 4),
          ('f-orphan', 'p-gone', 'spam', 'incorrect', NULL, 'alice', 5);
      `);
    } finally {
      await pool.end();
    }
    const store = await openPostgresStore(url);
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

  it('migrates once when several processes open a new database together', async () => {
    const url = await postgres.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    await stores[0]!.predictions.insertMany(predictions(1));
    expect(await stores[2]!.predictions.count()).toBe(1);
    await Promise.all(stores.map((store) => store.close()));
  });
});
