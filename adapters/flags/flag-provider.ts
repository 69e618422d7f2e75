import type { RolloutState } from '../../core/rollout/rollout-state.ts';

/**
 * Where the rollout state of each model lives. One flag per model; the canary percent is a gradual
 * rollout keyed by the user key, so an Unleash adapter maps onto it directly.
 *
 * Contract, for every adapter (embedded today, Unleash later):
 * - Only rollout activities (and `flywheel models rollback`) write; the gateway only reads.
 * - A write replaces the model's whole state at once (never half a state) and is idempotent: activities
 *   are retried, and writing what is already there must change nothing.
 * - Users are assigned to the canary by the gateway (core/rollout/canary-assignment.ts), not by the flag
 *   service, so stickiness is the same whatever the adapter. An Unleash adapter keeps the state as the
 *   parameters of one feature toggle per model (e.g. `flywheel.<model>`), written through the Admin API
 *   and read through the client API.
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
  close(): Promise<void>;
}
