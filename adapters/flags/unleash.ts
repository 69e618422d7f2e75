import { InMemStorageProvider, Unleash } from 'unleash-client';
import { ModelName } from '../../core/model-name.ts';
import type { CanaryArm } from '../../core/rollout/canary-assignment.ts';
import { CHAMPION_ONLY, RolloutState } from '../../core/rollout/rollout-state.ts';
import { networkFailureReason } from '../network-failure.ts';
import type { FlagProvider } from './flag-provider.ts';
import { parseOrExplain, sameRolloutState } from './rollout-state-input.ts';

export interface UnleashFlagsConfig {
  /** The server's base address, e.g. http://unleash:4242 (the API is under /api). */
  url: string;
  /** An admin token: rollout activities write with it, and read through the Admin API (no poll lag). */
  adminToken?: string | undefined;
  /** A backend token: a gateway reads with it through unleash-client's local evaluation. */
  backendToken?: string | undefined;
  /** The Unleash environment the flags live in; a backend token is bound to one. */
  environment: string;
  project: string;
  /** How often a gateway's client polls for changes; adds to how late a rollout step reaches traffic. */
  refreshIntervalMs: number;
  /** How long one HTTP call to Unleash may take before it counts as failed. */
  timeoutMs?: number;
  appName?: string;
  /** Where the client's background poll failures go (the last known state stays in service). */
  onPollError?: (error: Error) => void;
  /** Called on each background poll Unleash answered (changed or not). */
  onPollSuccess?: () => void;
}

/**
 * Flag state kept in Unleash: one feature toggle `flywheel.<model>` per model in the configured project,
 * whose one `flexibleRollout` strategy in the configured environment is the rollout. Its `rollout` is the
 * canary percent, sticky on the user key (Unleash's `userId` context field carries it, `groupId` is the
 * model so that each model picks its own first canaries); its one strategy variant, named after the mode
 * (`off`, `shadow`, `canary`), carries the whole state as a JSON payload, so that one strategy update
 * replaces the state at once and a shadow rollout (0% canary, the candidate running beside) is visible to
 * every gateway. Unleash evaluates `rollout` in whole percents.
 *
 * Writers (workers, the CLI) hold an admin token and read back through the Admin API, so a retried
 * activity sees its own write. Gateways hold a backend token and read from unleash-client's copy,
 * refreshed every `refreshIntervalMs`; when Unleash is down that copy stays as it was last fetched.
 */
export async function openUnleashFlags(config: UnleashFlagsConfig): Promise<FlagProvider> {
  const base = config.url.replace(/\/+$/, '');
  const timeoutMs = config.timeoutMs ?? 5_000;
  const admin = config.adminToken ? new UnleashAdmin(base, config.adminToken, config, timeoutMs) : null;
  if (admin) await admin.check();
  let client: Unleash | null = null;
  if (config.backendToken) {
    await checkBackendToken(base, config.backendToken, timeoutMs);
    client = await startClient(base, config.backendToken, config, timeoutMs);
  }
  if (!admin && !client) {
    throw new Error(
      'FLYWHEEL_FLAGS=unleash needs FLYWHEEL_UNLEASH_ADMIN_TOKEN or FLYWHEEL_UNLEASH_BACKEND_TOKEN',
    );
  }
  const reader = client;
  return {
    kind: 'unleash',
    async read(model) {
      if (admin) return admin.read(model);
      const feature = reader?.getFeatureToggleDefinition(featureName(model));
      return stateOf(feature?.strategies?.find(isRolloutStrategy)) ?? CHAMPION_ONLY(null);
    },
    async write(model, state) {
      if (!admin) {
        throw new Error('this process reads flags only: writing needs FLYWHEEL_UNLEASH_ADMIN_TOKEN');
      }
      return admin.write(
        parseOrExplain(ModelName, model, 'model name'),
        parseOrExplain(RolloutState, state, `rollout state of ${model}`),
      );
    },
    ...(reader
      ? {
          assignCanaryArm(model: string, userKey: string): CanaryArm {
            return reader.isEnabled(featureName(model), { userId: userKey }) ? 'canary' : 'champion';
          },
        }
      : {}),
    async close() {
      if (reader) destroyQuietly(reader);
    },
  };
}

const featureName = (model: string) => `flywheel.${model}`;
const STRATEGY_TITLE = 'flywheel rollout';

interface StrategyLike {
  name: string;
  title?: string | null;
  parameters?: Record<string, unknown>;
  variants?: Array<{ name: string; payload?: { type: string; value: string } }>;
}

function isRolloutStrategy(strategy: StrategyLike): boolean {
  return (
    strategy.name === 'flexibleRollout' && (strategy.variants ?? []).some((v) => v.payload?.type === 'json')
  );
}

/** The state a strategy carries; null when it carries none Flywheel wrote. */
function stateOf(strategy: StrategyLike | undefined): RolloutState | null {
  const payload = strategy?.variants?.find((v) => v.payload?.type === 'json')?.payload?.value;
  if (payload === undefined) return null;
  // A strategy edited by hand into nonsense must fail loudly here, not steer traffic.
  return RolloutState.parse(JSON.parse(payload));
}

function strategyOf(model: string, state: RolloutState) {
  const percent = state.mode === 'canary' && state.candidateVersion !== null ? state.percent : 0;
  return {
    name: 'flexibleRollout',
    title: STRATEGY_TITLE,
    constraints: [],
    parameters: { rollout: String(percent), stickiness: 'userId', groupId: model },
    variants: [
      {
        name: state.mode,
        weight: 1000,
        weightType: 'variable',
        stickiness: 'userId',
        payload: { type: 'json', value: JSON.stringify(state) },
      },
    ],
  };
}

interface AdminFeature {
  environments?: Array<{ name: string; enabled: boolean; strategies?: Array<StrategyLike & { id: string }> }>;
}

class UnleashAdmin {
  readonly #base: string;
  readonly #token: string;
  readonly #project: string;
  readonly #environment: string;
  readonly #timeoutMs: number;

  constructor(base: string, token: string, config: UnleashFlagsConfig, timeoutMs: number) {
    this.#base = base;
    this.#token = token;
    this.#project = config.project;
    this.#environment = config.environment;
    this.#timeoutMs = timeoutMs;
  }

  /** At start-up: the server answers, the token is accepted, the project and environment exist. */
  async check(): Promise<void> {
    const response = await this.#call('GET', '/api/admin/projects', undefined, 'startup');
    await expectOk(response, 'listing projects', this.#base);
    const { projects } = (await response.json()) as { projects?: Array<{ id: string }> };
    if (!projects?.some((project) => project.id === this.#project)) {
      throw new Error(`FLYWHEEL_UNLEASH_PROJECT: Unleash at ${this.#base} has no project "${this.#project}"`);
    }
  }

  async read(model: string): Promise<RolloutState> {
    const feature = await this.#feature(model);
    return stateOf(this.#environmentOf(feature)?.strategies?.find(isRolloutStrategy)) ?? CHAMPION_ONLY(null);
  }

  /**
   * Create the feature when missing, put the strategy, switch the environment on. Each call must answer
   * 2xx before the next; anything else throws, so an activity retries rather than report a write that
   * did not land. Writing what is there already makes no call that changes anything.
   */
  async write(model: string, state: RolloutState): Promise<{ changed: boolean }> {
    let feature = await this.#feature(model);
    if (!feature) {
      const created = await this.#call('POST', `/api/admin/projects/${this.#project}/features`, {
        name: featureName(model),
        type: 'release',
        description: `Rollout of model ${model}, written by Flywheel's rollout workflow`,
        impressionData: false,
      });
      if (created.status !== 409)
        await expectOk(created, `creating feature ${featureName(model)}`, this.#base);
      feature = await this.#feature(model);
    }
    const environment = this.#environmentOf(feature);
    if (!environment) {
      throw new Error(
        `Unleash at ${this.#base}: project "${this.#project}" has no environment "${this.#environment}"`,
      );
    }
    const existing = environment.strategies?.find(isRolloutStrategy);
    const before = stateOf(existing);
    if (before && sameRolloutState(before, state) && environment.enabled) return { changed: false };
    const strategies = `/api/admin/projects/${this.#project}/features/${featureName(model)}/environments/${this.#environment}/strategies`;
    const body = strategyOf(model, state);
    const written = existing
      ? await this.#call('PUT', `${strategies}/${existing.id}`, body)
      : await this.#call('POST', strategies, body);
    await expectOk(written, `writing the rollout of ${model}`, this.#base);
    if (!environment.enabled) {
      const on = await this.#call(
        'POST',
        `/api/admin/projects/${this.#project}/features/${featureName(model)}/environments/${this.#environment}/on`,
      );
      await expectOk(on, `switching ${featureName(model)} on`, this.#base);
    }
    return { changed: !before || !sameRolloutState(before, state) || !environment.enabled };
  }

  #environmentOf(feature: AdminFeature | null) {
    return feature?.environments?.find((e) => e.name === this.#environment);
  }

  async #feature(model: string): Promise<AdminFeature | null> {
    const response = await this.#call(
      'GET',
      `/api/admin/projects/${this.#project}/features/${featureName(model)}`,
    );
    if (response.status === 404) return null;
    await expectOk(response, `reading feature ${featureName(model)}`, this.#base);
    return (await response.json()) as AdminFeature;
  }

  async #call(
    method: string,
    path: string,
    body?: unknown,
    when: 'startup' | 'running' = 'running',
  ): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, {
        method,
        headers: { authorization: this.#token, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const prefix = when === 'startup' ? `FLYWHEEL_UNLEASH_URL=${this.#base}: ` : '';
      throw new Error(`${prefix}cannot reach Unleash at ${this.#base} (${networkFailureReason(error)})`, {
        cause: error,
      });
    }
  }
}

async function expectOk(response: Response, what: string, base: string): Promise<void> {
  if (response.ok) return;
  const detail = (await response.text().catch(() => '')).slice(0, 300);
  if (response.status === 401 || response.status === 403) {
    throw new Error(
      `FLYWHEEL_UNLEASH_ADMIN_TOKEN was refused by Unleash at ${base} (${response.status}) when ${what}: it must be an admin token (*:*.…) or a personal access token`,
    );
  }
  throw new Error(`Unleash at ${base} answered ${response.status} when ${what}: ${detail}`);
}

async function checkBackendToken(base: string, token: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/client/features`, {
      headers: { authorization: token },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(
      `FLYWHEEL_UNLEASH_URL=${base}: cannot reach Unleash at ${base} (${networkFailureReason(error)})`,
      {
        cause: error,
      },
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new Error(
      `FLYWHEEL_UNLEASH_BACKEND_TOKEN was refused by Unleash at ${base} (${response.status}): it must be a backend (client) token for the flags' environment`,
    );
  }
  if (!response.ok) throw new Error(`FLYWHEEL_UNLEASH_URL=${base}: Unleash answered ${response.status}`);
}

/** The client, holding its first copy of the flags: a gateway never starts on an empty copy by accident. */
async function startClient(
  base: string,
  token: string,
  config: UnleashFlagsConfig,
  timeoutMs: number,
): Promise<Unleash> {
  const client = new Unleash({
    url: `${base}/api/`,
    appName: config.appName ?? 'flywheel-gateway',
    environment: config.environment,
    projectName: config.project,
    refreshInterval: config.refreshIntervalMs,
    disableMetrics: true,
    timeout: timeoutMs,
    customHeaders: { Authorization: token },
    // Memory only: a gateway keeps no state on its disk that another replica would need.
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
  });
  client.on('error', (error: Error) => config.onPollError?.(error));
  client.on('warn', () => {});
  client.on('unchanged', () => config.onPollSuccess?.());
  client.on('changed', () => config.onPollSuccess?.());
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`FLYWHEEL_UNLEASH_URL=${base}: Unleash sent no flags within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.once('synchronized', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (error) {
    destroyQuietly(client);
    throw error;
  }
  return client;
}

/**
 * unleash-client's destroy() removes its repository's listeners while a poll may still be in flight; when
 * Unleash is down that poll's failure is then emitted as an 'error' nobody listens to, which Node turns
 * into an unhandled rejection (a crash on shutdown). A no-op listener keeps a clean shutdown clean.
 */
function destroyQuietly(client: Unleash): void {
  client.destroy();
  (client as unknown as { repository?: { on(event: 'error', listener: () => void): void } }).repository?.on(
    'error',
    () => {},
  );
}
