import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';

/** Content-addressed storage of model artifacts, dataset snapshots and training checkpoints. */
export interface ArtifactStorage {
  put(bytes: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Uint8Array>;
}

/** What activities are built from: the outside world behind its interfaces. */
export interface ActivityDeps {
  store: FlywheelStore;
  artifacts: ArtifactStorage;
  flags: FlagProvider;
  logger: Logger;
}
