import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { ReviewNotifier } from '../adapters/notifiers/review-notifier.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { CycleStarter } from './monitor/contracts.ts';
import type { TrainerRegistry } from './training/trainer-registry.ts';

/** What activities are built from: the outside world behind its interfaces. */
export interface ActivityDeps {
  store: FlywheelStore;
  artifacts: ArtifactStore;
  flags: FlagProvider;
  logger: Logger;
  /** Where review reminders and deadline notices go when a cycle names no webhook of its own. */
  notifier: ReviewNotifier;
  /**
   * Starts and inspects cycles through Temporal, for the monitor and scheduled cycles. Wired by the
   * worker process (workers/cycle-starter.ts); absent where no activity needs it (e.g. CLI commands).
   */
  cycles?: CycleStarter;
  /** Trainers by name (`training.trainer`); the built-in one plus FLYWHEEL_EXTERNAL_TRAINER when absent. */
  trainers?: TrainerRegistry;
}
