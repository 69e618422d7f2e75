import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../adapters/store/open-store.ts';
import { freePort } from '../workers/free-port.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { predictions } from './support/store-records.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-open-store-'));
let postgres: ThrowawayPostgres;
beforeAll(async () => {
  postgres = await startThrowawayPostgres();
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens the embedded store at <dataDir>/flywheel.db when no URL is set, creating the directory', async () => {
    const nested = join(dataDir, 'not', 'yet', 'there');
    for (const databaseUrl of [undefined, '', '  ']) {
      const store = await openStore({ databaseUrl, dataDir: nested });
      expect(store.kind).toBe('embedded');
      await store.close();
    }
    expect(existsSync(join(nested, 'flywheel.db'))).toBe(true);
  });

  it('opens PostgreSQL, migrated, for a postgres:// or postgresql:// URL', async () => {
    const url = new URL(await postgres.createDatabase());
    for (const protocol of ['postgres:', 'postgresql:']) {
      url.protocol = protocol;
      const store = await openStore({ databaseUrl: url.toString(), dataDir });
      expect(store.kind).toBe('postgres');
      await store.predictions.insertMany(predictions(2, {}, protocol));
      expect(await store.predictions.count()).toBeGreaterThanOrEqual(2);
      await store.close();
    }
  });

  it('names the setting when the URL is not a PostgreSQL URL', async () => {
    await expect(openStore({ databaseUrl: 'mysql://db/flywheel', dataDir })).rejects.toThrow(
      /FLYWHEEL_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
    await expect(openStore({ databaseUrl: 'not a url', dataDir })).rejects.toThrow(
      /FLYWHEEL_DATABASE_URL is not a valid URL/,
    );
  });

  it('names the setting, and hides the password, when the database cannot be reached', async () => {
    const port = await freePort();
    const attempt = openStore({
      databaseUrl: `postgres://flywheel:s3cret@127.0.0.1:${port}/flywheel`,
      dataDir,
    });
    await expect(attempt).rejects.toThrow(
      /^FLYWHEEL_DATABASE_URL: cannot connect to PostgreSQL at postgres:\/\/flywheel:\*\*\*@127\.0\.0\.1/,
    );
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('names the setting when the database does not exist', async () => {
    const url = new URL(postgres.url);
    url.pathname = '/no_such_database';
    await expect(openStore({ databaseUrl: url.toString(), dataDir })).rejects.toThrow(
      /FLYWHEEL_DATABASE_URL: cannot connect .*no_such_database.*does not exist/,
    );
  });
});
