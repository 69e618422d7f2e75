import { DEFAULT_SKETCH_POINTS } from '../drift/quantile-sketch.ts';
import type { FeedbackTally } from '../feedback/feedback-tally.ts';
import type { WindowSummary } from './window-summary.ts';

/**
 * A model version's served traffic in one window, as a store computes it without loading the rows:
 * what summarizeWindow needs (counts, the order statistics its sketches hold, the feedback tally) and
 * an evenly spaced sample of texts for the out-of-vocabulary rate.
 */
export interface ServedWindowFigures {
  predictions: number;
  /** Predictions per predicted label, labels in alphabetical order. */
  labelCounts: Record<string, number>;
  /** Confidences at the ranks sketchRanks gives, smallest first. */
  confidencePoints: number[];
  /** Text lengths (UTF-16 units, as String length counts) at the ranks sketchRanks gives. */
  textLengthPoints: number[];
  feedback: FeedbackTally;
  /** The predictions at evenPositions(predictions, sampleSize) in capture order (creation time, then seq). */
  sample: { id: string; text: string }[];
}

/**
 * The 0-based ranks of a sorted sample of `count` values that a window's sketch keeps: all of them when
 * there are at most `points`, else the order statistics at round(q·(count − 1)) for `points` evenly
 * spaced q from 0 to 1 — what quantileSketch estimates, read exactly (so a small window's figures are
 * the same as summarizeWindow's, and a large one's are exact where the sketch was approximate).
 */
export function sketchRanks(count: number, points = DEFAULT_SKETCH_POINTS): number[] {
  if (count <= points) return Array.from({ length: count }, (_, rank) => rank);
  return Array.from({ length: points }, (_, i) => Math.round((i / (points - 1)) * (count - 1)));
}

/** At most `size` positions out of `count`, evenly spaced, in order (all of them when count ≤ size). */
export function evenPositions(count: number, size: number): number[] {
  if (count <= size) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: size }, (_, i) => Math.floor((i * count) / size));
}

/** The summary a store's figures make; `oovRates` are the sample's, measured by the caller. */
export function summaryOfServedWindow(
  window: { from: number; to: number },
  figures: ServedWindowFigures,
  oovRates?: Readonly<Record<string, number>>,
): WindowSummary {
  const rates = oovRates
    ? figures.sample.map((s) => oovRates[s.id]).filter((rate): rate is number => rate !== undefined)
    : [];
  return {
    from: window.from,
    to: window.to,
    predictions: figures.predictions,
    labelCounts: figures.labelCounts,
    confidenceSketch: figures.confidencePoints,
    textLengthSketch: figures.textLengthPoints,
    meanOovRate: rates.length === 0 ? null : rates.reduce((sum, rate) => sum + rate, 0) / rates.length,
    feedback: figures.feedback,
  };
}
