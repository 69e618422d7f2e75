import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { ModelRegistry } from '../adapters/store/store.ts';
import { CHAMPION_ONLY, type RolloutState } from '../core/rollout/rollout-state.ts';
import { ServingPlanCache } from './serving-plan-cache.ts';

class CountingFlags implements FlagProvider {
  readonly kind = 'test';
  state: RolloutState = CHAMPION_ONLY(null);
  reads = 0;
  failing = false;
  async read(): Promise<RolloutState> {
    this.reads++;
    if (this.failing) throw new Error('flags down');
    return this.state;
  }
  async write(): Promise<{ changed: boolean }> {
    return { changed: true };
  }
  async close(): Promise<void> {}
}

const registryWithChampion = (versionId: string | null) =>
  ({ alias: async () => versionId }) as unknown as ModelRegistry;
const quiet = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ServingPlanCache', () => {
  it("falls back to the registry's champion alias when the flag names no champion", async () => {
    const cache = new ServingPlanCache(new CountingFlags(), registryWithChampion('v7'), quiet, 1_000);
    expect(await cache.get('spam')).toMatchObject({ championVersion: 'v7', mode: 'off' });
  });

  it('prefers the champion the flag names', async () => {
    const flags = new CountingFlags();
    flags.state = { championVersion: 'v2', candidateVersion: 'v3', mode: 'canary', percent: 5 };
    const cache = new ServingPlanCache(flags, registryWithChampion('v1'), quiet, 1_000);
    expect(await cache.get('spam')).toEqual({
      model: 'spam',
      championVersion: 'v2',
      candidateVersion: 'v3',
      mode: 'canary',
      percent: 5,
    });
  });

  it('treats a rollout mode without a candidate as champion only', async () => {
    const flags = new CountingFlags();
    flags.state = { championVersion: 'v2', candidateVersion: null, mode: 'shadow', percent: 0 };
    const cache = new ServingPlanCache(flags, registryWithChampion(null), quiet, 1_000);
    expect(await cache.get('spam')).toMatchObject({ mode: 'off', candidateVersion: null });
  });

  it('reads once however many requests ask at once, and a request after the TTL sees a change', async () => {
    const flags = new CountingFlags();
    flags.state = CHAMPION_ONLY('v1');
    const cache = new ServingPlanCache(flags, registryWithChampion(null), quiet, 100);
    await Promise.all(Array.from({ length: 20 }, () => cache.get('spam')));
    expect(flags.reads).toBe(1);
    flags.state = CHAMPION_ONLY('v2');
    expect((await cache.get('spam')).championVersion).toBe('v1');
    await sleep(110);
    expect((await cache.get('spam')).championVersion).toBe('v2');
    expect(flags.reads).toBe(2);
  });

  it('refreshes in the background past half the TTL, answering from the plan in hand', async () => {
    const flags = new CountingFlags();
    flags.state = CHAMPION_ONLY('v1');
    const cache = new ServingPlanCache(flags, registryWithChampion(null), quiet, 200);
    await cache.get('spam');
    flags.state = CHAMPION_ONLY('v2');
    await sleep(120);
    expect((await cache.get('spam')).championVersion).toBe('v1');
    await sleep(5);
    expect(flags.reads).toBe(2);
    expect((await cache.get('spam')).championVersion).toBe('v2');
  });

  it('keeps serving the last plan while the flag store fails, and fails a model never read', async () => {
    const flags = new CountingFlags();
    flags.state = CHAMPION_ONLY('v1');
    const cache = new ServingPlanCache(flags, registryWithChampion(null), quiet, 10);
    await cache.get('spam');
    flags.failing = true;
    await sleep(20);
    expect((await cache.get('spam')).championVersion).toBe('v1');
    expect((await cache.get('spam')).championVersion).toBe('v1');
    expect(flags.reads).toBeGreaterThanOrEqual(3);
    await expect(cache.get('other')).rejects.toThrow('flags down');
  });
});
