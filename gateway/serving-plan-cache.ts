import type { Logger } from 'pino';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { ModelRegistry } from '../adapters/store/store.ts';
import type { RolloutMode } from '../core/rollout/rollout-state.ts';

/** What the gateway serves for a model right now: the rollout state with the champion resolved. */
export interface ServingPlan {
  model: string;
  /** Null when the model has no champion at all: its requests are answered 404. */
  championVersion: string | null;
  candidateVersion: string | null;
  /** `off` whenever there is no candidate to send traffic to. */
  mode: RolloutMode;
  percent: number;
}

/** How long a read rollout state is served before it is read again. Bounds how late a flag change applies. */
export const DEFAULT_ROLLOUT_TTL_MS = 500;
const MAX_CACHED_MODELS = 1_000;

interface Entry {
  plan: ServingPlan | null;
  readAt: number;
  refreshing: Promise<ServingPlan> | null;
}

/**
 * Reads each model's rollout state through a short cache, so that a flag change is seen by every request
 * that starts more than TTL (+ one read) after it. Past half the TTL a request starts a read in the
 * background and is answered from the plan in hand, so under steady traffic no request waits for a read;
 * past the TTL a request waits for the fresh read. When the flag store fails, the last plan stays in
 * service (availability over freshness) and the failure is logged; a model never read fails the request.
 */
export class ServingPlanCache {
  readonly #flags: FlagProvider;
  readonly #registry: ModelRegistry;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(flags: FlagProvider, registry: ModelRegistry, log: Logger, ttlMs = DEFAULT_ROLLOUT_TTL_MS) {
    this.#flags = flags;
    this.#registry = registry;
    this.#log = log;
    this.#ttlMs = ttlMs;
  }

  async get(model: string): Promise<ServingPlan> {
    const entry = this.#entries.get(model) ?? this.#newEntry(model);
    const age = Date.now() - entry.readAt;
    if (entry.plan && age < this.#ttlMs / 2) return entry.plan;
    const refresh = entry.refreshing ?? this.#refresh(model, entry);
    if (!entry.plan) return refresh;
    if (age < this.#ttlMs) return entry.plan;
    try {
      return await refresh;
    } catch {
      return entry.plan;
    }
  }

  #newEntry(model: string): Entry {
    // Unknown-but-valid model names must not grow the cache without bound.
    if (this.#entries.size >= MAX_CACHED_MODELS) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const entry: Entry = { plan: null, readAt: 0, refreshing: null };
    this.#entries.set(model, entry);
    return entry;
  }

  #refresh(model: string, entry: Entry): Promise<ServingPlan> {
    const refreshing = this.#read(model).then(
      (plan) => {
        entry.plan = plan;
        entry.readAt = Date.now();
        entry.refreshing = null;
        return plan;
      },
      (err: unknown) => {
        entry.refreshing = null;
        if (!entry.plan) this.#entries.delete(model);
        this.#log.error({ err, model }, 'could not read the rollout state');
        throw err;
      },
    );
    entry.refreshing = refreshing;
    refreshing.catch(() => {}); // a background refresh has no awaiter; its failure is logged above
    return refreshing;
  }

  async #read(model: string): Promise<ServingPlan> {
    const state = await this.#flags.read(model);
    const championVersion = state.championVersion ?? (await this.#registry.alias(model, 'champion'));
    const hasCandidate = state.candidateVersion !== null && state.mode !== 'off';
    return {
      model,
      championVersion,
      candidateVersion: hasCandidate ? state.candidateVersion : null,
      mode: hasCandidate ? state.mode : 'off',
      percent: state.percent,
    };
  }
}
