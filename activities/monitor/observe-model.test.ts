import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/logger.ts';
import { parseCycleConfig } from '../../core/cycle/cycle-config.ts';
import { contentHash } from '../../core/hashing/content-hash.ts';
import { feedback, prediction } from '../../core/mining/test-records.ts';
import { syntheticCorpus } from '../../core/model/test-corpus.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { ActivityDeps } from '../deps.ts';
import { registerModelFromCorpus } from '../training/register-first-model.ts';
import type { ModelCycleState, ObserveModelInput, ObserveModelResult } from './contracts.ts';
import { observeModelActivity } from './observe-model.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-observe-'));
let deps: ActivityDeps & { close(): Promise<void> };
const cycles: ModelCycleState = {
  running: { workflowId: 'flywheel-cycle-m-2', number: 2 },
  lastEnded: { workflowId: 'flywheel-cycle-m-1', number: 1, endedAt: 5 },
};
const config = parseCycleConfig({});
if (!config.ok) throw new Error(config.errors.join('; '));
const input = (at: number, reasons = config.config.mining.reasons): ObserveModelInput => ({
  model: 'm',
  at,
  window: 1_000,
  mining: { ...config.config.mining, reasons },
  autoLabel: config.config.autoLabel,
});
const observe = (
  at: number,
  withCycles = true,
  reasons = config.config.mining.reasons,
): Promise<ObserveModelResult> =>
  new MockActivityEnvironment().run(
    observeModelActivity({
      ...deps,
      ...(withCycles
        ? {
            cycles: {
              start: async () => ({ started: false, reason: '', running: null }),
              state: async () => cycles,
            },
          }
        : {}),
    }),
    input(at, reasons),
  );

beforeAll(async () => {
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
});

afterAll(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('observeModel', () => {
  it('has nothing to summarise before the model has a champion, and says what runs', async () => {
    const result = await observe(10_000);
    expect(result).toMatchObject({
      championVersion: null,
      window: { from: 9_000, to: 10_000, predictions: 0 },
      backlog: { count: 0, scanned: 0, capped: false },
      cycles,
    });
  });

  it("summarises the champion's served traffic in [at − window, at) and mines the backlog since the last cycle", async () => {
    const examples = syntheticCorpus({ labels: ['ham', 'spam'], perLabel: 60, seed: 3 }).map((e) => ({
      ...e,
      id: contentHash(e.text),
      group: null,
    }));
    const champion = await registerModelFromCorpus(deps, {
      model: 'm',
      examples,
      source: 'synthetic',
      champion: 'always',
      actor: 'test',
    });
    const v = champion.versionId;
    const at = 10_000;
    const served = (id: string, overrides: Parameters<typeof prediction>[0] = { id }) =>
      prediction({ model: 'm', modelVersion: v, createdAt: at - 500, ...overrides, id });
    await deps.store.predictions.insertMany([
      served('a', { id: 'a', label: 'spam', confidence: 0.9, text: 'spam1 spam2 spam3 the of' }),
      served('b', { id: 'b', label: 'ham', confidence: 0.55, text: 'ham1 ham2 brandnewword anotherone' }),
      served('c', { id: 'c', label: 'ham', confidence: 0.8, text: 'ham3 ham4 ham5 and to' }),
      // Out of the summary: another version (a canary), a shadow, and predictions outside the window.
      served('canary', { id: 'canary', modelVersion: 'other', variant: 'canary', createdAt: at - 100 }),
      served('shadow', { id: 'shadow', variant: 'shadow', servedPredictionId: 'a', createdAt: at - 100 }),
      served('old', { id: 'old', createdAt: at - 1_000 - 1 }),
      served('late', { id: 'late', createdAt: at }),
    ]);
    await deps.store.feedback.insertMany([
      { ...feedback('a', 'incorrect'), model: 'm' },
      { ...feedback('c', 'correct'), model: 'm' },
    ]);

    const result = await observe(at);
    expect(result.championVersion).toBe(v);
    expect(result.window).toMatchObject({
      from: 9_000,
      to: 10_000,
      predictions: 3,
      labelCounts: { spam: 1, ham: 2 },
      confidenceSketch: [0.55, 0.8, 0.9],
      feedback: { rated: 2, negative: 1 },
    });
    // "brandnewword" and "anotherone" were never in the synthetic corpus: b's words are half unseen.
    expect(result.window.meanOovRate).toBeGreaterThan(0.1);
    expect(result.vocabularyCoverage).toBeGreaterThan(0);
    // The backlog reads all served capture since the start (no cycle has a watermark yet): a is called
    // wrong, b is below the 0.7 confidence threshold, and old and late are drifted inputs (their words were
    // never in the corpus); the canary is confident, unrated and unmeasured (its version is not registered).
    expect(result.backlog).toEqual({ count: 4, scanned: 6, capped: false });
    const measuredOnly = await observe(at, true, ['negative-feedback', 'low-confidence']);
    expect(measuredOnly.backlog).toEqual({ count: 2, scanned: 6, capped: false });
    expect(result.cycles).toEqual(cycles);
  });

  it('refuses to run without a cycle starter, without retries', async () => {
    await expect(observe(10_000, false)).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });
});
