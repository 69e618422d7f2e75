import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/logger.ts';
import type { ModelVersion } from '../../core/registry/model-version.ts';
import { CHAMPION_ONLY } from '../../core/rollout/rollout-state.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { ActivityDeps } from '../deps.ts';
import { changeChampion, UnknownVersionError } from './move-champion.ts';

let dataDir: string;
let deps: ActivityDeps & { close(): Promise<void> };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'move-champion-'));
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
});

afterAll(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Two versions: `older` was the champion, `newer` replaced it; the aliases as `partial` leaves them. */
async function model(name: string, partial: { champion: 'older' | 'newer'; previous: 'older' | 'newer' }) {
  const version = (id: string): ModelVersion => ({
    id,
    model: name,
    artifactSha256: 'b'.repeat(64),
    datasetId: 'ds',
    labels: ['ham', 'spam'],
    trainer: 'test',
    params: {},
    metrics: {},
    blessedBy: null,
    createdAt: 1,
  });
  const ids = { older: `${name}-older`, newer: `${name}-newer` };
  await deps.store.models.register(version(ids.older));
  await deps.store.models.register(version(ids.newer));
  const move = { model: name, reason: 'setup', actor: 'test', at: 1 };
  await deps.store.models.moveAlias({ ...move, alias: 'previous', versionId: ids[partial.previous] });
  await deps.store.models.moveAlias({ ...move, alias: 'champion', versionId: ids[partial.champion] });
  await deps.flags.write(name, CHAMPION_ONLY(ids.newer));
  return ids;
}

const request = (name: string, to: string) => ({
  model: name,
  to,
  actor: 'alice',
  reason: 'complaints',
  via: 'offline' as const,
});
const audited = async (name: string) =>
  (await deps.store.audit.list({ model: name, limit: 100 })).filter((e) => e.kind === 'champion-rolled-back');

describe('changeChampion', () => {
  it('moves champion, previous and flags to a named version once; a second run changes nothing', async () => {
    const ids = await model('mc-once', { champion: 'newer', previous: 'older' });
    const first = await changeChampion(deps, request('mc-once', ids.older));
    expect(first).toEqual({ model: 'mc-once', champion: ids.older, previous: ids.newer, changed: true });
    const second = await changeChampion(deps, request('mc-once', ids.older));
    expect(second).toEqual({ model: 'mc-once', champion: ids.older, previous: ids.newer, changed: false });
    expect(await deps.flags.read('mc-once')).toEqual(CHAMPION_ONLY(ids.older));
    expect(await audited('mc-once')).toHaveLength(1);
  });

  it('finishes a move a crash stopped after `previous` moved, losing no version', async () => {
    // The crash left champion = previous = newer: a re-run aimed at `older` still reaches it.
    const ids = await model('mc-half', { champion: 'newer', previous: 'newer' });
    const result = await changeChampion(deps, request('mc-half', ids.older));
    expect(result).toEqual({ model: 'mc-half', champion: ids.older, previous: ids.newer, changed: true });
    expect(await deps.flags.read('mc-half')).toEqual(CHAMPION_ONLY(ids.older));
  });

  it('writes the flags a crash left behind after the registry moved, and audits that once', async () => {
    const ids = await model('mc-flags', { champion: 'older', previous: 'newer' });
    const result = await changeChampion(deps, request('mc-flags', ids.older));
    expect(result).toEqual({ model: 'mc-flags', champion: ids.older, previous: ids.newer, changed: true });
    expect(await deps.flags.read('mc-flags')).toEqual(CHAMPION_ONLY(ids.older));
    const [event] = await audited('mc-flags');
    expect(event?.details).toMatchObject({ registryMoved: false, flagsWritten: true, via: 'offline' });
  });

  it('refuses a version the model does not have, changing nothing', async () => {
    const ids = await model('mc-unknown', { champion: 'newer', previous: 'older' });
    await expect(changeChampion(deps, request('mc-unknown', 'mv-nope'))).rejects.toThrow(UnknownVersionError);
    expect(await deps.store.models.alias('mc-unknown', 'champion')).toBe(ids.newer);
  });
});
