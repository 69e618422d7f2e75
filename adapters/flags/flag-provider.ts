import type { CanaryArm } from '../../core/rollout/canary-assignment.ts';
import type { RolloutState } from '../../core/rollout/rollout-state.ts';

/**
 * Where the rollout state of each model lives. One flag per model; the canary percent is a gradual
 * rollout keyed by the user key, so an Unleash adapter maps onto it directly.
 *
 * Contract, for every adapter (embedded today, Unleash later):
 * - Only rollout activities (and `flywheel models rollback`) write; the gateway only reads.
 * - A write replaces the model's whole state at once (never half a state) and is idempotent: activities
 *   are retried, and writing what is already there must change nothing.
 * - Users are assigned to the canary by core/rollout/canary-assignment.ts, unless the adapter's service
 *   evaluates rollouts itself (Unleash: a flexibleRollout strategy, sticky on the user key): then the
 *   adapter's `assignCanaryArm` answers, so that the variant the gateway reports is the one the service
 *   assigns. The Unleash adapter keeps the state in one feature toggle per model (`flywheel.<model>`),
 *   written through the Admin API and read through unleash-client (adapters/flags/unleash.ts).
 * - How late a change reaches traffic is the adapter's own propagation delay plus the gateway's cache
 *   (gateway/serving-plan-cache.ts, 500 ms by default). The embedded store has none of its own: every
 *   request that starts more than 500 ms (plus one read) after a write sees it. An Unleash client polls
 *   (15 s by default): that interval adds to the bound, and should be lowered for rollouts.
 */
export interface FlagProvider {
  readonly kind: string;
  /** The state of a model; champion-only with no version when nothing was ever written. */
  read(model: string): Promise<RolloutState>;
  /** Writes the state; writing the state it already has changes nothing and reports `changed: false`. */
  write(model: string, state: RolloutState): Promise<{ changed: boolean }>;
  /** The arm of a user in a canary, where the flag service itself decides it (see above). */
  assignCanaryArm?(model: string, userKey: string): CanaryArm;
  close(): Promise<void>;
}
