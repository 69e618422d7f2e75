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
 * Reads each model's rollout state through a short cache. Once an entry is older than the TTL, the next
 * request starts one read and keeps serving the previous plan until it lands (a flag change is seen at
 * most TTL + one read later); a request for a model never read before waits for its first read. When a
 * read fails, the previous plan stays in service and the failure is logged.
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
    const entry = this.#entries.get(model);
    if (!entry) return this.#refresh(model, this.#newEntry(model));
    if (Date.now() - entry.readAt >= this.#ttlMs && !entry.refreshing) {
      const refresh = this.#refresh(model, entry);
      if (!entry.plan) return refresh;
      refresh.catch(() => {}); // logged in #refresh; the stale plan keeps serving
    }
    if (entry.plan) return entry.plan;
    return entry.refreshing!;
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
