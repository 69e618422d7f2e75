import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCycleConfig } from '../cycle/cycle-config.ts';
import { EdgeCaseStream, type EdgeCaseStreamState, servedEvidence } from './edge-case-stream.ts';
import { type MiningSettings, mineEdgeCases } from './mine-edge-cases.ts';
import type { MinedBatch } from './mined-batch.ts';
import { type Capture, generatedCapture } from './test-capture.ts';

const LABELS = ['ham', 'spam'];
function settings(
  overrides: Partial<MiningSettings['mining']> = {},
  rules?: MiningSettings['autoLabel']['rules'],
) {
  const config = defaultCycleConfig();
  return {
    mining: { ...config.mining, ...overrides },
    autoLabel: { ...config.autoLabel, ...(rules ? { rules } : {}) },
  };
}

/** Pages by capture position, each joined as the collect activity joins it from the store. */
function pagesOf(capture: Capture, pageSize: number) {
  const pages = [];
  for (let start = 0; start < capture.rows.length; start += pageSize) {
    const rows = capture.rows.slice(start, start + pageSize);
    const ids = new Set(rows.map((row) => row.id));
    const served = new Set(rows.filter((row) => row.variant !== 'shadow').map((row) => row.id));
    pages.push(
      servedEvidence({
        predictions: rows,
        // The store's shadowsOf: every shadow twin of the page's served rows, wherever it sits in the capture.
        shadows: capture.rows.filter(
          (row) =>
            row.variant === 'shadow' && row.servedPredictionId !== null && served.has(row.servedPredictionId),
        ),
        feedback: capture.feedback.filter((f) => ids.has(f.predictionId)),
        oovRates: capture.oovRates,
      }),
    );
  }
  return pages;
}

function streamed(capture: Capture, s: MiningSettings, pageSize: number, capacity: number) {
  const stream = new EdgeCaseStream({ labels: LABELS, knownItemIds: capture.knownItemIds }, s, { capacity });
  let peak = 0;
  for (const page of pagesOf(capture, pageSize)) {
    for (const evidence of page.evidence) stream.scan(evidence);
    stream.countUnmatchedFeedback(page.unmatchedFeedback);
    peak = Math.max(peak, stream.keptCount);
  }
  // Feedback on a prediction the capture no longer holds: the activity finds these in its feedback pass.
  const ids = new Set(capture.rows.map((row) => row.id));
  stream.countUnmatchedFeedback(capture.feedback.filter((f) => !ids.has(f.predictionId)).length);
  return { batch: stream.finish(), peak };
}

function reference(capture: Capture, s: MiningSettings): MinedBatch {
  return mineEdgeCases(
    {
      labels: LABELS,
      predictions: capture.rows,
      feedback: capture.feedback,
      oovRates: capture.oovRates,
      knownItemIds: capture.knownItemIds,
    },
    s,
  );
}

const SETTINGS: [string, MiningSettings][] = [
  ['defaults', settings()],
  ['small caps and budget', settings({ labelBudget: 7, maxPerClass: 9 })],
  ['no class cap, a human share', settings({ maxPerClass: null, maxHumanShare: 0.3, labelBudget: 40 })],
  ['everything to review', settings({ labelBudget: 25, maxPerClassByLabel: { spam: 4 } }, [])],
  ['low confidence only', settings({ reasons: ['low-confidence'], lowConfidenceThreshold: 0.8 })],
];

describe('EdgeCaseStream', () => {
  it.each(SETTINGS)(
    'gives the batch and the counts of mineEdgeCases on the same capture (%s)',
    (_name, s) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 ** 31 }),
          fc.integer({ min: 1, max: 400 }),
          fc.integer({ min: 1, max: 97 }),
          (seed, size, pageSize) => {
            const capture = generatedCapture(seed, size);
            const expected = reference(capture, s);
            const { batch } = streamed(capture, s, pageSize, 10_000);
            expect(batch.beyondCapacity).toBe(0);
            const { beyondCapacity: _beyond, ...rest } = batch;
            expect(rest).toEqual(expected);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('resumes from its state (as a retried activity does) with the same result', () => {
    const s = settings({ labelBudget: 30 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 11 }),
        (seed, pageCount, stopAfter) => {
          const capture = generatedCapture(seed, 300);
          const pages = pagesOf(capture, Math.ceil(capture.rows.length / pageCount));
          const stop = Math.min(stopAfter, pages.length - 1);
          const input = { labels: LABELS, knownItemIds: capture.knownItemIds };
          const first = new EdgeCaseStream(input, s, { capacity: 10_000 });
          for (const page of pages.slice(0, stop)) {
            for (const evidence of page.evidence) first.scan(evidence);
            first.countUnmatchedFeedback(page.unmatchedFeedback);
          }
          // The state crosses a heartbeat as JSON; the kept candidates are read again by id.
          const state = JSON.parse(JSON.stringify(first.state())) as EdgeCaseStreamState;
          const resumed = new EdgeCaseStream(input, s, { capacity: 10_000, resumeFrom: state });
          const evidenceById = new Map(
            pages.flatMap((page) => page.evidence).map((e) => [e.prediction.id, e]),
          );
          for (const id of state.kept) resumed.restore(evidenceById.get(id)!);
          for (const page of pages.slice(stop)) {
            for (const evidence of page.evidence) resumed.scan(evidence);
            resumed.countUnmatchedFeedback(page.unmatchedFeedback);
          }
          const ids = new Set(capture.rows.map((row) => row.id));
          resumed.countUnmatchedFeedback(capture.feedback.filter((f) => !ids.has(f.predictionId)).length);
          const { beyondCapacity: _beyond, ...rest } = resumed.finish();
          expect(rest).toEqual(reference(capture, s));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps at most its capacity, and every candidate is counted once whatever it lets go', () => {
    const capture = generatedCapture(7, 3_000);
    // The generated capture exercises every join and every stateful filter.
    const { counts } = reference(capture, settings());
    expect(counts.candidates['shadow-disagreement']).toBeGreaterThan(0);
    expect(counts.candidates['drifted-input']).toBeGreaterThan(0);
    expect(counts.unmatchedFeedback).toBeGreaterThan(0);
    for (const cause of [
      'duplicate',
      'near-duplicate',
      'already-known',
      'conflicting-feedback',
      'class-cap',
    ] as const)
      expect(counts.dropped[cause], cause).toBeGreaterThan(0);
    for (const [, s] of SETTINGS) {
      const expected = reference(capture, s);
      const { batch, peak } = streamed(capture, s, 250, 60);
      expect(peak).toBeLessThanOrEqual(60);
      const total = (b: MinedBatch) =>
        Object.values(b.counts.dropped).reduce((sum, n) => sum + n, 0) +
        b.autoLabelled.length +
        b.needsReview.length;
      expect(total(batch) + batch.beyondCapacity).toBe(total(expected));
      expect(batch.counts.scanned).toBe(expected.counts.scanned);
      expect(batch.counts.candidates).toEqual(expected.counts.candidates);
      expect(batch.counts.unmatchedFeedback).toBe(expected.counts.unmatchedFeedback);
    }
  });

  it('selects the same items past its capacity when the budgets fill among the candidates it keeps', () => {
    // Everything goes to review and the budget is small: the most urgent 60 candidates fill it.
    const s = settings({ labelBudget: 10 }, []);
    const capture = generatedCapture(11, 3_000);
    const expected = reference(capture, s);
    const { batch } = streamed(capture, s, 250, 60);
    expect(batch.needsReview).toEqual(expected.needsReview);
    expect(batch.autoLabelled).toEqual([]);
    expect(batch.counts.selected).toEqual(expected.counts.selected);
    expect(batch.counts.dropped['too-short']).toBe(expected.counts.dropped['too-short']);
    expect(batch.counts.dropped['already-known']).toBe(expected.counts.dropped['already-known']);
    expect(batch.beyondCapacity).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new EdgeCaseStream({ labels: LABELS }, settings(), { capacity: 0 })).toThrow(/capacity/);
  });
});
