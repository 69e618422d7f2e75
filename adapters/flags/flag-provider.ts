import type { RolloutState } from '../../core/rollout/rollout-state.ts';

/**
 * Where the rollout state of each model lives. One flag per model; the canary percent is a gradual
 * rollout keyed by the user key, so an Unleash adapter maps onto it directly.
 */
export interface FlagProvider {
  readonly kind: string;
  /** The state of a model; champion-only with no version when nothing was ever written. */
  read(model: string): Promise<RolloutState>;
  /** Writes the state; writing the state it already has changes nothing and reports `changed: false`. */
  write(model: string, state: RolloutState): Promise<{ changed: boolean }>;
  close(): Promise<void>;
}
