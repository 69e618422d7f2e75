import type { ActivityDeps } from '../activities/deps.ts';
import { trainersFromEnvironment } from '../activities/training/trainer-registry.ts';
import { openArtifactStore } from '../adapters/artifacts/open-artifact-store.ts';
import { openFlags } from '../adapters/flags/open-flags.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { openReviewNotifier } from '../adapters/notifiers/open-notifier.ts';
import { openStore } from '../adapters/store/open-store.ts';

export interface DepsConfig {
  dataDir: string;
  /** FLYWHEEL_DATABASE_URL: PostgreSQL instead of the embedded store. */
  databaseUrl?: string | undefined;
  logger: Logger;
}

/** Opens the outside world the activities work on; `close` releases it. */
export async function openDeps(config: DepsConfig): Promise<ActivityDeps & { close(): Promise<void> }> {
  // Artifacts first: a misconfigured bucket stops the process before anything else is opened.
  const artifacts = await openArtifactStore({ dataDir: config.dataDir, env: process.env });
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }).catch(
    (error) => {
      artifacts.close();
      throw error;
    },
  );
  const flags = await openFlags({ dataDir: config.dataDir, env: process.env, role: 'writer' }).catch(
    async (error) => {
      await store.close();
      artifacts.close();
      throw error;
    },
  );
  return {
    store,
    flags,
    artifacts,
    logger: config.logger,
    notifier: openReviewNotifier(process.env, config.logger),
    trainers: trainersFromEnvironment(process.env),
    async close() {
      await flags.close();
      await store.close();
      artifacts.close();
    },
  };
}
