import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import { openFlags } from '../adapters/flags/open-flags.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import { freePort } from '../workers/free-port.ts';
import { describeFlagProviderContract } from './flag-provider-contract.ts';
import { type Harness, MODEL, registerVersion, startHarness } from './gateway/gateway-harness.ts';
import { runCli } from './support/cli-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from './support/unleash.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-unleash-'));
let postgres: ThrowawayPostgres;
let unleash: ThrowawayUnleash;
beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  unleash = await startThrowawayUnleash(postgres);
});
afterAll(async () => {
  await unleash?.stop();
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const openWriter = () => openFlags({ dataDir, env: unleash.env(), role: 'writer' });
const openGatewayFlags = () =>
  openFlags({ dataDir, env: { ...unleash.env(), FLYWHEEL_UNLEASH_REFRESH_MS: '200' }, role: 'gateway' });

/** Waits for a gateway's copy to catch up with a write (its poll); fails with what it last saw. */
async function untilRead(flags: FlagProvider, model: string, expected: RolloutState): Promise<void> {
  const deadline = Date.now() + 60_000;
  let seen: RolloutState | undefined;
  while (Date.now() < deadline) {
    seen = await flags.read(model);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the gateway's flags never showed ${JSON.stringify(expected)}; last read ${JSON.stringify(seen)}`,
  );
}

describeFlagProviderContract('Unleash', openWriter);

describe('a gateway reading Unleash', () => {
  let writer: FlagProvider;
  let gatewayFlags: FlagProvider;
  let harness: Harness;
  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const canaryAt = (percent: number): RolloutState => ({
    championVersion: 'v1',
    candidateVersion: 'v2',
    mode: 'canary',
    percent,
  });

  beforeAll(async () => {
    writer = await openWriter();
    gatewayFlags = await openGatewayFlags();
    harness = await startHarness({ flags: gatewayFlags });
    await registerVersion(harness.store, harness.artifacts, 'v2', 2);
  });
  afterAll(async () => {
    await harness?.dispose();
    await writer?.close();
  });

  it('follows the rollout: shadow shows to every gateway, the feature carries the whole state', async () => {
    const shadow: RolloutState = {
      championVersion: 'v1',
      candidateVersion: 'v2',
      mode: 'shadow',
      percent: 0,
    };
    await writer.write(MODEL, shadow);
    await untilRead(gatewayFlags, MODEL, shadow);
    const answer = await harness.post(`/v1/models/${MODEL}/predict`, { text: 'hello', userKey: 'user-1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ variant: 'champion', modelVersion: 'v1' });
    expect(gatewayFlags.assignCanaryArm?.(MODEL, 'user-1')).toBe('champion');
  });

  it('puts 5%, 25% and 50% of 10,000 users on the canary (±1.5 points), each staying there as the share grows', async () => {
    let before = new Set<string>();
    for (const percent of [5, 25, 50]) {
      await writer.write(MODEL, canaryAt(percent));
      await untilRead(gatewayFlags, MODEL, canaryAt(percent));
      const canary = users.filter((user) => gatewayFlags.assignCanaryArm?.(MODEL, user) === 'canary');
      const share = (100 * canary.length) / users.length;
      expect(Math.abs(share - percent), `canary share at ${percent}%: ${share}%`).toBeLessThanOrEqual(1.5);
      for (const user of before) expect(canary).toContain(user);
      before = new Set(canary);
    }
  });

  it('answers each user with the variant Unleash assigns', async () => {
    await writer.write(MODEL, canaryAt(25));
    await untilRead(gatewayFlags, MODEL, canaryAt(25));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the harness's plan cache lives 50 ms
    for (const user of users.slice(0, 200)) {
      const answer = await harness.post(`/v1/models/${MODEL}/predict`, {
        text: `mail of ${user}`,
        userKey: user,
      });
      const arm = gatewayFlags.assignCanaryArm?.(MODEL, user);
      expect(answer.body.variant).toBe(arm);
      expect(answer.body.modelVersion).toBe(arm === 'canary' ? 'v2' : 'v1');
    }
  });

  it('keeps serving the last state read while Unleash is down; writes fail until it is back', async () => {
    await writer.write(MODEL, canaryAt(25));
    await untilRead(gatewayFlags, MODEL, canaryAt(25));
    const armsBefore = users.slice(0, 500).map((user) => gatewayFlags.assignCanaryArm?.(MODEL, user));
    await unleash.stop();
    try {
      // Long enough for several failed polls of the gateway's client (every 200 ms).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await gatewayFlags.read(MODEL)).toEqual(canaryAt(25));
      expect(users.slice(0, 500).map((user) => gatewayFlags.assignCanaryArm?.(MODEL, user))).toEqual(
        armsBefore,
      );
      for (const user of users.slice(0, 50)) {
        const answer = await harness.post(`/v1/models/${MODEL}/predict`, {
          text: 'still here?',
          userKey: user,
        });
        expect(answer.status).toBe(200);
        expect(answer.body.variant).toBe(gatewayFlags.assignCanaryArm?.(MODEL, user));
      }
      // A model this gateway never read flags for: its champion.
      expect(await gatewayFlags.read('never-rolled-out')).toEqual({
        championVersion: null,
        candidateVersion: null,
        mode: 'off',
        percent: 0,
      });
      await expect(writer.write(MODEL, canaryAt(50))).rejects.toThrow(
        `cannot reach Unleash at ${unleash.url}`,
      );
      await expect(writer.read(MODEL)).rejects.toThrow(`cannot reach Unleash at ${unleash.url}`);
    } finally {
      await unleash.restart();
    }
    expect(await writer.write(MODEL, canaryAt(50))).toEqual({ changed: true });
    await untilRead(gatewayFlags, MODEL, canaryAt(50));
  });
});

describe('a misconfigured Unleash at start-up', () => {
  it('names the address when nothing answers there', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const role of ['writer', 'gateway'] as const) {
      await expect(
        openFlags({ dataDir, env: { ...unleash.env(), FLYWHEEL_UNLEASH_URL: url }, role }),
      ).rejects.toThrow(
        `FLYWHEEL_UNLEASH_URL=${url}: cannot reach Unleash at ${url} (nothing listens there)`,
      );
    }
  });

  it('says which token was refused', async () => {
    await expect(
      openFlags({
        dataDir,
        env: { ...unleash.env(), FLYWHEEL_UNLEASH_ADMIN_TOKEN: '*:*.wrong' },
        role: 'writer',
      }),
    ).rejects.toThrow(/FLYWHEEL_UNLEASH_ADMIN_TOKEN was refused by Unleash at .* \(40[13]\)/);
    await expect(
      openFlags({
        dataDir,
        env: { ...unleash.env(), FLYWHEEL_UNLEASH_BACKEND_TOKEN: 'default:production.wrong' },
        role: 'gateway',
      }),
    ).rejects.toThrow(/FLYWHEEL_UNLEASH_BACKEND_TOKEN was refused by Unleash at .* \(40[13]\)/);
  });

  it('says which setting is missing or malformed', async () => {
    await expect(
      openFlags({ dataDir, env: { FLYWHEEL_FLAGS: 'launchdarkly' }, role: 'writer' }),
    ).rejects.toThrow('FLYWHEEL_FLAGS must be "embedded" (the default) or "unleash"');
    await expect(openFlags({ dataDir, env: { FLYWHEEL_FLAGS: 'unleash' }, role: 'writer' })).rejects.toThrow(
      'FLYWHEEL_FLAGS=unleash needs FLYWHEEL_UNLEASH_URL',
    );
    const { FLYWHEEL_UNLEASH_BACKEND_TOKEN: _, ...noBackendToken } = unleash.env();
    await expect(openFlags({ dataDir, env: noBackendToken, role: 'gateway' })).rejects.toThrow(
      'the gateway reads flags and needs FLYWHEEL_UNLEASH_BACKEND_TOKEN',
    );
  });

  it('stops a CLI command with one line and a non-zero exit code', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = runCli(['datasets', 'list', 'spam'], {
      ...unleash.env(),
      FLYWHEEL_UNLEASH_URL: url,
      FLYWHEEL_DATA_DIR: dataDir,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      `flywheel: FLYWHEEL_UNLEASH_URL=${url}: cannot reach Unleash at ${url} (nothing listens there)`,
    ]);
  });
});
