import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout/contracts.ts';
import type { CycleConfig } from '../core/cycle/cycle-config.ts';

/** The longest wait between two attempts of a write that must land (champion-only flags, promotion). */
export const COMPENSATION_MAX_INTERVAL_MS = 30_000;

/**
 * Proxies by job: the analysis can be abandoned; step flag writes and audits give up after the config's
 * attempts (the rollout then fails and restores the champion, never advancing on a write it could not
 * confirm); the compensation and the promotion retry without limit.
 */
export function rolloutActivities(config: CycleConfig) {
  const timeouts = {
    startToCloseTimeout: config.activities.default.startToClose,
    heartbeatTimeout: config.activities.default.heartbeat,
  };
  const retry = { ...config.activities.retry, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] };
  return {
    main: proxyActivities<RolloutActivities>({ ...timeouts, retry }),
    analysis: proxyActivities<RolloutActivities>({
      ...timeouts,
      retry,
      cancellationType: ActivityCancellationType.ABANDON,
    }),
    // Production must never stay on a half-rolled candidate, and a promotion once decided must not stop
    // half-way (aliases moved, flags not): both retry until the stores answer (no attempt limit), at
    // least every 30 s so that the write lands soon after an outage ends.
    compensation: proxyActivities<RolloutActivities>({
      ...timeouts,
      retry: {
        initialInterval: config.activities.retry.initialInterval,
        backoffCoefficient: config.activities.retry.backoffCoefficient,
        maximumInterval: Math.min(config.activities.retry.maximumInterval, COMPENSATION_MAX_INTERVAL_MS),
      },
    }),
  };
}
