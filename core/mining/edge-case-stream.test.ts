import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import { defaultCycleConfig } from '../cycle/cycle-config.ts';
import { contentHash } from '../hashing/content-hash.ts';
import { EdgeCaseStream, type EdgeCaseStreamState, servedEvidence } from './edge-case-stream.ts';
import { type MiningSettings, mineEdgeCases } from './mine-edge-cases.ts';
import type { MinedBatch } from './mined-batch.ts';
import { feedback, prediction } from './test-records.ts';

const LABELS = ['ham', 'spam'];
const TOPICS = ['watches', 'loans', 'meeting', 'invoice', 'holiday', 'printer', 'lottery', 'newsletter'];

/** A capture like the gateway's: served rows, shadow twins right after some, feedback on a share. */
interface Capture {
  rows: PredictionRecord[];
  feedback: FeedbackRecord[];
  oovRates: Record<string, number>;
  knownItemIds: string[];
}

function generatedCapture(seed: number, size: number): Capture {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const rows: PredictionRecord[] = [];
  const fb: FeedbackRecord[] = [];
  const oovRates: Record<string, number> = {};
  const knownItemIds: string[] = [];
  for (let i = 0; i < size; i++) {
    const id = `p${i}`;
    const topic = pick(TOPICS);
    const roll = random();
    // Exact repeats, small edits (near duplicates), too-short texts and distinct texts.
    const text =
      roll < 0.15
        ? `the same ${topic} offer, again and again, act now`
        : roll < 0.3
          ? `hello friend, we have a great deal for you today, reply to this mail before the end of the week to get the best price ever seen on the market for ${topic} number ${i % 4}`
          : roll < 0.35
            ? 'hi'
            : `message ${i} on ${topic}: ${pick(TOPICS)} ${pick(TOPICS)} ${Math.floor(random() * 1e6)}`;
    const label = random() < 0.5 ? 'ham' : 'spam';
    const confidence = Math.round((0.5 + random() * 0.5) * 100) / 100;
    const served = prediction({
      id,
      text,
      label,
      confidence,
      scores: { [label]: confidence, [label === 'ham' ? 'spam' : 'ham']: 1 - confidence },
      createdAt: 1_000 + Math.floor(i / 3),
      metadata: random() < 0.5 ? { group: pick(['easy', 'hard']) } : {},
    });
    rows.push(served);
    if (random() < 0.25) {
      const shadowLabel = random() < 0.5 ? label : label === 'ham' ? 'spam' : 'ham';
      rows.push(
        prediction({
          id: `${id}-shadow`,
          variant: 'shadow',
          modelVersion: 'v2',
          text,
          label: shadowLabel,
          confidence: Math.round((0.5 + random() * 0.5) * 100) / 100,
          servedPredictionId: id,
          createdAt: served.createdAt,
        }),
      );
    }
    if (random() < 0.3) oovRates[id] = Math.round(random() * 100) / 100;
    const feedbackRoll = random();
    if (feedbackRoll < 0.1) fb.push(feedback(id, 'incorrect', null, `${id}-f1`, random() < 0.7));
    else if (feedbackRoll < 0.15) fb.push(feedback(id, 'label', pick(['ham', 'spam', 'eggs']), `${id}-f1`));
    else if (feedbackRoll < 0.2) fb.push(feedback(id, 'correct', null, `${id}-f1`));
    if (feedbackRoll < 0.2 && random() < 0.2)
      fb.push(feedback(id, pick(['correct', 'incorrect']), null, `${id}-f2`));
    if (random() < 0.02) fb.push(feedback(`${id}-shadow`, 'incorrect', null, `${id}-on-shadow`));
    if (random() < 0.03) knownItemIds.push(contentHash(text));
  }
  return { rows, feedback: fb, oovRates, knownItemIds };
}

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
