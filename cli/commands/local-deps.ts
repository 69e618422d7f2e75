import type { ActivityDeps } from '../../activities/deps.ts';
import { createLogger } from '../../adapters/log/logger.ts';
import { openDeps } from '../../workers/open-deps.ts';
import { dataDir } from '../data-dir.ts';

/**
 * The store, artifacts and flags this machine is configured with (FLYWHEEL_DATA_DIR,
 * FLYWHEEL_DATABASE_URL), for the commands that read or write them directly.
 */
export async function withLocalDeps<T>(work: (deps: ActivityDeps) => Promise<T>): Promise<T> {
  const deps = await openDeps({
    dataDir: dataDir(),
    databaseUrl: process.env.FLYWHEEL_DATABASE_URL,
    logger: createLogger('flywheel', { destination: 2, level: process.env.FLYWHEEL_LOG_LEVEL ?? 'warn' }),
  });
  try {
    return await work(deps);
  } finally {
    await deps.close();
  }
}
