import { join } from 'node:path';
import { openEmbeddedStore } from './embedded/embedded-store.ts';
import { PostgresUnreachableError, redactedUrl } from './postgres/pool.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import type { FlywheelStore } from './store.ts';

export interface StoreConfig {
  /** FLYWHEEL_DATABASE_URL: a postgres:// or postgresql:// URL selects PostgreSQL. */
  databaseUrl?: string | undefined;
  /** Where the embedded store keeps flywheel.db when no database URL is given. */
  dataDir: string;
}

const SETTING = 'FLYWHEEL_DATABASE_URL';

/** Opens the configured store, migrated and ready: PostgreSQL when a URL is given, else the embedded file. */
export async function openStore(config: StoreConfig): Promise<FlywheelStore> {
  const url = config.databaseUrl?.trim();
  if (!url) return openEmbeddedStore(join(config.dataDir, 'flywheel.db'));
  assertPostgresUrl(url);
  try {
    return await openPostgresStore(url);
  } catch (error) {
    if (error instanceof PostgresUnreachableError) {
      throw new Error(`${SETTING}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function assertPostgresUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`${SETTING} is not a valid URL; expected postgres://user:password@host:5432/database`);
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(
      `${SETTING} must be a postgres:// or postgresql:// URL (got ${redactedUrl(url)}); leave it unset for the embedded store`,
    );
  }
}
