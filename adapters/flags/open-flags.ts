import { openEmbeddedFlags } from './embedded.ts';
import type { FlagProvider } from './flag-provider.ts';
import { openUnleashFlags } from './unleash.ts';

export interface FlagsConfig {
  dataDir: string;
  /** FLYWHEEL_FLAGS and FLYWHEEL_UNLEASH_* */
  env: NodeJS.ProcessEnv;
  /**
   * `writer`: workers and the CLI (admin token; reads through the Admin API, so a retried activity sees
   * its own write). `gateway`: reads through unleash-client's local copy (backend token), and assigns
   * canary users the way Unleash does.
   */
  role: 'writer' | 'gateway';
  onPollError?: (error: Error) => void;
  onPollSuccess?: () => void;
}

/** The configured flag provider: the embedded file by default, Unleash with FLYWHEEL_FLAGS=unleash. */
export async function openFlags(config: FlagsConfig): Promise<FlagProvider> {
  const env = config.env;
  const kind = env.FLYWHEEL_FLAGS?.trim() || 'embedded';
  if (kind === 'embedded') return openEmbeddedFlags(config.dataDir);
  if (kind !== 'unleash') {
    throw new Error(
      `FLYWHEEL_FLAGS must be "embedded" (the default) or "unleash" (got ${JSON.stringify(kind)})`,
    );
  }
  const url = env.FLYWHEEL_UNLEASH_URL?.trim();
  if (!url) throw new Error('FLYWHEEL_FLAGS=unleash needs FLYWHEEL_UNLEASH_URL (e.g. http://unleash:4242)');
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http');
  } catch {
    throw new Error(
      `FLYWHEEL_UNLEASH_URL must be an http:// or https:// address (got ${JSON.stringify(url)})`,
    );
  }
  const adminToken = env.FLYWHEEL_UNLEASH_ADMIN_TOKEN?.trim();
  const backendToken = env.FLYWHEEL_UNLEASH_BACKEND_TOKEN?.trim();
  if (config.role === 'writer' && !adminToken) {
    throw new Error(
      'FLYWHEEL_FLAGS=unleash: workers and the CLI write flags and need FLYWHEEL_UNLEASH_ADMIN_TOKEN',
    );
  }
  if (config.role === 'gateway' && !backendToken) {
    throw new Error(
      'FLYWHEEL_FLAGS=unleash: the gateway reads flags and needs FLYWHEEL_UNLEASH_BACKEND_TOKEN',
    );
  }
  const refresh = Number(env.FLYWHEEL_UNLEASH_REFRESH_MS ?? 1000);
  if (!Number.isFinite(refresh) || refresh < 100) {
    throw new Error(
      `FLYWHEEL_UNLEASH_REFRESH_MS must be a number of milliseconds >= 100 (got ${env.FLYWHEEL_UNLEASH_REFRESH_MS})`,
    );
  }
  return openUnleashFlags({
    url,
    adminToken: config.role === 'writer' ? adminToken : undefined,
    backendToken: config.role === 'gateway' ? backendToken : undefined,
    environment: env.FLYWHEEL_UNLEASH_ENVIRONMENT?.trim() || 'production',
    project: env.FLYWHEEL_UNLEASH_PROJECT?.trim() || 'default',
    refreshIntervalMs: refresh,
    ...(config.onPollError ? { onPollError: config.onPollError } : {}),
    ...(config.onPollSuccess ? { onPollSuccess: config.onPollSuccess } : {}),
  });
}
