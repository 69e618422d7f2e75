import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import { feedbackVerdict } from './feedback-verdict.ts';

/**
 * How the users rated a set of served predictions: `rated` predictions got usable feedback, `negative`
 * of them were called wrong. Counted per prediction, not per feedback row, so one angry user clicking
 * twice is one mistake; predictions with conflicting feedback are left out (their truth is unknown).
 */
export interface FeedbackTally {
  rated: number;
  negative: number;
}

export function tallyFeedback(
  predictions: readonly PredictionRecord[],
  feedback: readonly FeedbackRecord[],
  labels: readonly string[],
): FeedbackTally {
  const byPrediction = new Map<string, FeedbackRecord[]>();
  for (const f of feedback) {
    const list = byPrediction.get(f.predictionId);
    if (list) list.push(f);
    else byPrediction.set(f.predictionId, [f]);
  }
  const tally: FeedbackTally = { rated: 0, negative: 0 };
  const seen = new Set<string>();
  for (const prediction of predictions) {
    if (seen.has(prediction.id)) continue;
    seen.add(prediction.id);
    const verdict = feedbackVerdict(prediction.label, byPrediction.get(prediction.id) ?? [], labels);
    if (verdict.kind === 'confirmed') tally.rated++;
    else if (verdict.kind === 'wrong' || verdict.kind === 'unknown-label') {
      tally.rated++;
      tally.negative++;
    }
  }
  return tally;
}

/** negative / rated, or null when nothing was rated. */
export function feedbackErrorRate(tally: FeedbackTally): number | null {
  return tally.rated === 0 ? null : tally.negative / tally.rated;
}
