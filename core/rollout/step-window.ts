import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import { type FeedbackTally, tallyFeedback } from '../feedback/feedback-tally.ts';

/** What one arm of a rollout did during a step's window. */
export interface ArmFigures {
  predictions: number;
  feedback: FeedbackTally;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** Candidate and champion over the same window of one step. */
export interface StepWindow {
  mode: 'shadow' | 'canary';
  candidate: ArmFigures;
  champion: ArmFigures;
  /** Shadow mode: served predictions that had a shadow twin, and how many twins answered differently. */
  shadow: { compared: number; disagreements: number } | null;
}

/** Nearest-rank percentile (the smallest value with at least p% of the sample at or below it); null if empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRankIndex(sorted.length, p)]!;
}

/** Where the nearest-rank p-th percentile sits (0-based) in a sorted sample of `count` values (count ≥ 1). */
export function nearestRankIndex(count: number, p: number): number {
  return Math.max(0, Math.ceil((p / 100) * count) - 1);
}

export function summarizeArm(
  predictions: readonly PredictionRecord[],
  feedback: readonly FeedbackRecord[],
  labels: readonly string[],
): ArmFigures {
  const latencies = predictions.map((p) => p.latencyMs);
  return {
    predictions: predictions.length,
    feedback: tallyFeedback(predictions, feedback, labels),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  };
}

/**
 * Splits a step's captured traffic into the two arms. Canary: `canary` predictions are the candidate's,
 * `champion` ones the champion's. Shadow: the champion served everything and `shadow` predictions are
 * the candidate's twins (linked by servedPredictionId), which also gives the disagreement rate.
 * Feedback only exists for served answers, so a shadow arm has none.
 */
export function summarizeStepWindow(
  mode: 'shadow' | 'canary',
  predictions: readonly PredictionRecord[],
  feedback: readonly FeedbackRecord[],
  labels: readonly string[],
): StepWindow {
  const champion = predictions.filter((p) => p.variant === 'champion');
  if (mode === 'canary') {
    return {
      mode,
      candidate: summarizeArm(
        predictions.filter((p) => p.variant === 'canary'),
        feedback,
        labels,
      ),
      champion: summarizeArm(champion, feedback, labels),
      shadow: null,
    };
  }
  const shadows = predictions.filter((p) => p.variant === 'shadow');
  const servedById = new Map(champion.map((p) => [p.id, p]));
  let compared = 0;
  let disagreements = 0;
  const counted = new Set<string>();
  for (const twin of shadows) {
    const served = twin.servedPredictionId === null ? undefined : servedById.get(twin.servedPredictionId);
    if (!served || counted.has(served.id)) continue;
    counted.add(served.id);
    compared++;
    if (served.label !== twin.label) disagreements++;
  }
  return {
    mode,
    candidate: summarizeArm(shadows, [], labels),
    champion: summarizeArm(champion, feedback, labels),
    shadow: { compared, disagreements },
  };
}
