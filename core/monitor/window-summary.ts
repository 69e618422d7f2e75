import { z } from 'zod';
import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import { quantileSketch } from '../drift/quantile-sketch.ts';
import { tallyFeedback } from '../feedback/feedback-tally.ts';

/**
 * Summary figures of one window of served traffic, small enough to carry in workflow state: counts of
 * predicted labels, quantile sketches of confidence and text length, the mean out-of-vocabulary rate
 * when the caller measured it, and the feedback tally.
 */
export const WindowSummary = z.object({
  from: z.number().int(),
  to: z.number().int(),
  predictions: z.number().int().min(0),
  labelCounts: z.record(z.string(), z.number().int().min(0)),
  confidenceSketch: z.array(z.number()),
  textLengthSketch: z.array(z.number()),
  meanOovRate: z.number().min(0).max(1).nullable(),
  feedback: z.object({ rated: z.number().int().min(0), negative: z.number().int().min(0) }),
});
export type WindowSummary = z.infer<typeof WindowSummary>;

export interface WindowTraffic {
  from: number;
  to: number;
  /** Predictions of the window; shadow ones are left out (users never saw them). */
  predictions: readonly PredictionRecord[];
  feedback: readonly FeedbackRecord[];
  labels: readonly string[];
  /** Out-of-vocabulary word share per prediction id, measured by the caller against the model vocabulary. */
  oovRates?: Readonly<Record<string, number>>;
}

export function summarizeWindow(traffic: WindowTraffic): WindowSummary {
  const served = traffic.predictions.filter((p) => p.variant !== 'shadow');
  const labelCounts: Record<string, number> = {};
  for (const p of served) labelCounts[p.label] = (labelCounts[p.label] ?? 0) + 1;
  const oov = traffic.oovRates
    ? served.map((p) => traffic.oovRates?.[p.id]).filter((rate): rate is number => rate !== undefined)
    : [];
  return {
    from: traffic.from,
    to: traffic.to,
    predictions: served.length,
    labelCounts,
    confidenceSketch: quantileSketch(served.map((p) => p.confidence)),
    textLengthSketch: quantileSketch(served.map((p) => p.text.length)),
    meanOovRate: oov.length === 0 ? null : oov.reduce((sum, rate) => sum + rate, 0) / oov.length,
    feedback: tallyFeedback(served, traffic.feedback, traffic.labels),
  };
}
