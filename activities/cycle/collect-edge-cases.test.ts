import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/logger.ts';
import type { FlywheelStore } from '../../adapters/store/store.ts';
import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { parseCycleConfig } from '../../core/cycle/cycle-config.ts';
import { type MiningSettings, mineEdgeCases } from '../../core/mining/mine-edge-cases.ts';
import { generatedCapture } from '../../core/mining/test-capture.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { ActivityDeps } from '../deps.ts';
import type { CaptureWalkProgress } from '../edge-case-walk.ts';
import { collectEdgeCasesActivity } from './collect-edge-cases.ts';
import type { CollectInput, CollectResult } from './contracts.ts';

const LABELS = ['ham', 'spam'];
const config = parseCycleConfig({ mining: { labelBudget: 40, maxPerClass: 30 } });
if (!config.ok) throw new Error(config.errors.join('; '));
const settings: MiningSettings = { mining: config.config.mining, autoLabel: config.config.autoLabel };

let dataDir: string;
let deps: ActivityDeps & { close(): Promise<void> };

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-collect-'));
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
});

afterEach(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Captures 600 served predictions (with shadow twins, some landing far from their served answer) and
 * feedback, around a watermark: the first 200 predictions and part of their feedback before it; after
 * it, the rest, late feedback on the first 200, and feedback on predictions the store does not hold.
 */
async function seed(): Promise<CaptureWatermark> {
  const { rows, feedback } = generatedCapture(42, 600);
  const cut = rows.findIndex((row) => row.id === 'p200');
  const early = rows.slice(0, cut);
  const later = rows.slice(cut);
  // Every fifth shadow twin of the later traffic lands at the very end of the capture.
  const late = later.filter((row, i) => row.variant === 'shadow' && i % 5 === 0);
  const earlyIds = new Set(early.map((row) => row.id));
  const onEarly = feedback.filter((f) => earlyIds.has(f.predictionId));
  await deps.store.predictions.insertMany(early);
  await deps.store.feedback.insertMany(onEarly.filter((_, i) => i % 2 === 0));
  const watermark = await deps.store.captureHead('spam');
  await deps.store.predictions.insertMany(later.filter((row) => !late.includes(row)));
  await deps.store.feedback.insertMany([
    ...onEarly.filter((_, i) => i % 2 === 1),
    ...feedback.filter((f) => !earlyIds.has(f.predictionId)),
  ]);
  await deps.store.predictions.insertMany(late);
  return watermark;
}

/** What collection did before it streamed: every row of the range in memory, then mineEdgeCases. */
async function minedAllAtOnce(store: FlywheelStore, from: CaptureWatermark) {
  const to = await store.captureHead('spam');
  const predictions: PredictionRecord[] = (await store.predictions.listAfter('spam', from.predictionSeq, 1e9))
    .filter((row) => row.seq <= to.predictionSeq)
    .map(({ seq: _seq, ...row }) => row);
  const feedback: FeedbackRecord[] = (await store.feedback.listAfter('spam', from.feedbackSeq, 1e9))
    .filter((row) => row.seq <= to.feedbackSeq)
    .map(({ seq: _seq, ...row }) => row);
  const known = new Set(predictions.map((p) => p.id));
  for (const row of feedback) {
    if (known.has(row.predictionId)) continue;
    const prediction = await store.predictions.get(row.predictionId);
    if (prediction) {
      predictions.push(prediction);
      known.add(prediction.id);
    }
  }
  const feedbackIds = new Set(feedback.map((f) => f.id));
  for (const row of await store.feedback.listForPredictions([...known])) {
    if (!feedbackIds.has(row.id)) feedback.push(row);
  }
  return mineEdgeCases({ labels: LABELS, predictions, feedback }, settings);
}

const input = (from: CaptureWatermark): CollectInput => ({
  cycleId: 'spam-cycle-2',
  model: 'spam',
  number: 2,
  from,
  parentDatasetId: 'no-dataset-yet',
  labels: LABELS,
  ...settings,
});

describe('collectEdgeCases', () => {
  it('mines page by page the batch and the counts mining everything at once gives', async () => {
    const from = await seed();
    const expected = await minedAllAtOnce(deps.store, from);
    expect(expected.counts.candidates['shadow-disagreement']).toBeGreaterThan(0);
    expect(expected.counts.unmatchedFeedback).toBeGreaterThan(0);

    const beats: CaptureWalkProgress[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (details: CaptureWalkProgress) => beats.push(details));
    const result = await env.run(
      collectEdgeCasesActivity(deps, { pageSize: 17, progressEveryMs: 0 }),
      input(from),
    );

    expect(beats.length).toBeGreaterThan(20);
    expect(result).toMatchObject({
      scanned: expected.counts.scanned,
      autoLabelled: expected.counts.autoLabelled,
      needsReview: expected.counts.needsReview,
      minedByReason: expected.counts.selected,
      droppedByCause: expected.counts.dropped,
    });
    const items = await deps.store.reviewItems.listByCycle('spam-cycle-2');
    expect(items.map((item) => item.predictionId).sort()).toEqual(
      [...expected.autoLabelled, ...expected.needsReview].map((item) => item.predictionId).sort(),
    );
    const [event] = await deps.store.audit.list({ model: 'spam', kind: 'edge-cases-mined' });
    expect(event?.details).toMatchObject({ counts: expected.counts });
  });

  it('resumes a retried attempt from its heartbeat with the same result, in either walk', async () => {
    const from = await seed();
    const beats: CaptureWalkProgress[] = [];
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (details: CaptureWalkProgress) => beats.push(structuredClone(details)));
    const whole = await first.run(
      collectEdgeCasesActivity(deps, { pageSize: 17, progressEveryMs: 0 }),
      input(from),
    );

    const inPredictions = beats.find((beat) => beat.predictionCursor > from.predictionSeq + 300)!;
    const inFeedback = beats.find((beat) => beat.feedbackCursor > from.feedbackSeq + 20)!;
    expect(inPredictions.feedbackCursor).toBe(from.feedbackSeq);
    expect(inPredictions.stream.kept.length).toBeGreaterThan(0);
    expect(inFeedback.outside.length).toBeGreaterThan(0);
    for (const beat of [inPredictions, inFeedback]) {
      const retry = new MockActivityEnvironment({ heartbeatDetails: beat, attempt: 2 });
      const resumed = await retry.run(
        collectEdgeCasesActivity(deps, { pageSize: 17, progressEveryMs: 0 }),
        input(from),
      );
      expect(resumed).toEqual(whole);
    }
  });

  it('keeps at most its capacity of candidates and says how many it let go without a cause', async () => {
    const from = await seed();
    const expected = await minedAllAtOnce(deps.store, from);
    const env = new MockActivityEnvironment();
    const beats: CaptureWalkProgress[] = [];
    env.on('heartbeat', (details: CaptureWalkProgress) => beats.push(details));
    const result = (await env.run(
      collectEdgeCasesActivity(deps, { pageSize: 17, capacity: 25, progressEveryMs: 0 }),
      input(from),
    )) as CollectResult;
    expect(Math.max(...beats.map((beat) => beat.stream.kept.length))).toBeLessThanOrEqual(25);
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
    const expectedTotal =
      total(expected.counts.dropped) + expected.counts.autoLabelled + expected.counts.needsReview;
    expect(total(result.droppedByCause) + result.autoLabelled + result.needsReview).toBe(expectedTotal);
    expect(result.scanned).toBe(expected.counts.scanned);
  });
});
