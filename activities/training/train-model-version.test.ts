import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/logger.ts';
import { contentHash } from '../../core/hashing/content-hash.ts';
import { syntheticCorpus } from '../../core/model/test-corpus.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { ActivityDeps } from '../deps.ts';
import { registerModelFromCorpus } from './register-first-model.ts';
import { trainModelVersion } from './train-model-version.ts';

let dataDir: string;
let deps: ActivityDeps & { close(): Promise<void> };
const labels = ['billing', 'outage'];
const params = { epochs: 2, features: { dimension: 4096 } };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'train-model-version-'));
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
});

afterAll(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('trainModelVersion with warmStart', () => {
  it("starts from the model's champion, names it in the registry and in the version id", async () => {
    const examples = syntheticCorpus({ labels, perLabel: 60, seed: 3 }).map((example) => ({
      ...example,
      id: contentHash(example.text),
      group: null,
    }));
    const champion = await registerModelFromCorpus(deps, {
      model: 'warm',
      examples,
      source: 'synthetic',
      params,
      champion: 'always',
      actor: 'test',
    });
    const request = { model: 'warm', datasetId: champion.datasetId };
    const cold = await trainModelVersion(deps, { ...request, params });
    const warm = await trainModelVersion(deps, { ...request, params: { ...params, warmStart: true } });
    expect(warm.versionId).not.toBe(cold.versionId);
    expect(warm.reused).toBe(false);
    const registered = await deps.store.models.get(warm.versionId);
    expect(registered?.params).toMatchObject({ warmStartFrom: champion.versionId, epochs: 2 });
    expect(registered?.params).not.toHaveProperty('warmStart');
    // The same request again names the same version: nothing new is trained.
    const again = await trainModelVersion(deps, { ...request, params: { ...params, warmStart: true } });
    expect(again).toMatchObject({ versionId: warm.versionId, reused: true });

    await expect(
      trainModelVersion(deps, { ...request, params: { ...params, warmStart: 'yes' } }),
    ).rejects.toThrow(/training param "warmStart" must be true or false/);
  });
});
