import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/logger.ts';
import type { PredictionRecord } from '../../core/capture/records.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { ActivityDeps } from '../deps.ts';
import { applyRetentionActivity } from './apply-retention.ts';
import type { ApplyRetentionInput, RetentionProgress } from './contracts.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

let dataDir: string;
let deps: ActivityDeps & { close(): Promise<void> };

const prediction = (id: string, createdAt: number): PredictionRecord => ({
  id,
  model: 'm',
  modelVersion: 'v1',
  variant: 'champion',
  text: `text of ${id}`,
  label: 'ham',
  confidence: 0.9,
  scores: { ham: 0.9, spam: 0.1 },
  userKey: null,
  servedPredictionId: null,
  latencyMs: 1,
  metadata: {},
  createdAt,
});

/** 10 predictions 40 days old (one in a dataset, each with feedback) and 5 from yesterday. */
async function seed(): Promise<void> {
  const old = Array.from({ length: 10 }, (_, i) => prediction(`old-${i}`, NOW - 40 * DAY + i));
  const recent = Array.from({ length: 5 }, (_, i) => prediction(`new-${i}`, NOW - DAY + i));
  await deps.store.predictions.insertMany([...old, ...recent]);
  await deps.store.feedback.insertMany(
    [...old, ...recent].map((p) => ({
      id: `f-${p.id}`,
      predictionId: p.id,
      model: 'm',
      kind: 'incorrect' as const,
      label: null,
      userKey: null,
      fromPredictionUser: false,
      createdAt: p.createdAt + 1,
    })),
  );
  const item = {
    id: 'item-old-3',
    text: 'text of old-3',
    label: 'spam',
    split: 'train' as const,
    source: { kind: 'auto' as const, by: 'binary-flip', cycle: 1, batchId: 'b-1' },
    group: null,
    predictionId: 'old-3',
    reason: null,
  };
  await deps.store.datasets.create(
    {
      id: 'ds-1',
      model: 'm',
      parentId: null,
      cycle: 1,
      batchId: 'b-1',
      counts: { train: 1, holdout: 0, golden: 0 },
      createdAt: NOW - 39 * DAY,
    },
    [item],
  );
}

const input: ApplyRetentionInput = { model: 'm', keepDays: 30, at: NOW, actor: 'schedule', batch: 3 };

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-retention-'));
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
  await seed();
});

afterEach(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('applyRetention', () => {
  it('deletes what is past retention batch by batch, keeps what a dataset references, and audits counts once', async () => {
    const env = new MockActivityEnvironment();
    const beats: RetentionProgress[] = [];
    env.on('heartbeat', (details: RetentionProgress) => beats.push(details));
    const result = await env.run(applyRetentionActivity(deps), input);
    expect(result).toMatchObject({
      predictions: 9,
      feedback: 9,
      kept: 1,
      batches: 4,
      cutoff: NOW - 30 * DAY,
      audited: true,
    });
    expect(beats.map((beat) => beat.predictions)).toEqual([3, 5, 8, 9]);
    expect(await deps.store.predictions.count('m')).toBe(6);
    expect(await deps.store.predictions.get('old-3')).not.toBeNull();
    expect((await deps.store.feedback.listForPredictions(['old-3'])).map((f) => f.id)).toEqual(['f-old-3']);

    // The same activity retried: nothing more to delete, and no second audit line.
    const again = await env.run(applyRetentionActivity(deps), input);
    expect(again).toMatchObject({ predictions: 0, feedback: 0, kept: 1, audited: false });
    const events = await deps.store.audit.list({ model: 'm', kind: 'retention-applied' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      at: NOW,
      actor: 'schedule',
      cycleId: null,
      details: { keepDays: 30, cutoff: NOW - 30 * DAY, predictions: 9, feedback: 9, kept: 1, batches: 4 },
    });
    expect(JSON.stringify(events[0])).not.toContain('text of');
  });

  it('resumes an interrupted pass from its last heartbeat and deletes nothing a dataset references', async () => {
    const first = new MockActivityEnvironment();
    const beats: RetentionProgress[] = [];
    first.on('heartbeat', (details: RetentionProgress) => {
      beats.push(details);
      if (beats.length === 1) first.cancel();
    });
    await expect(first.run(applyRetentionActivity(deps), input)).rejects.toThrow();
    expect(beats).toHaveLength(1);
    expect(await deps.store.predictions.count('m')).toBe(12);

    const retry = new MockActivityEnvironment({ heartbeatDetails: beats[0], attempt: 2 });
    const result = await retry.run(applyRetentionActivity(deps), input);
    expect(result).toMatchObject({ predictions: 9, feedback: 9, kept: 1, batches: 4 });
    expect(await deps.store.predictions.count('m')).toBe(6);
    expect(await deps.store.predictions.get('old-3')).not.toBeNull();
  });

  it('refuses a malformed retention without touching the store', async () => {
    const env = new MockActivityEnvironment();
    await expect(env.run(applyRetentionActivity(deps), { ...input, keepDays: 0 })).rejects.toThrow(
      'keepDays must be at least 1 day',
    );
    expect(await deps.store.predictions.count('m')).toBe(15);
  });
});
