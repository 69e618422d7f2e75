import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('migrates once when several processes open a new database together', async () => {
    const url = await postgres.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    await stores[0]!.predictions.insertMany(predictions(1));
    expect(await stores[2]!.predictions.count()).toBe(1);
    await Promise.all(stores.map((store) => store.close()));
  });
});
