import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { aFeedback, aPrediction, T0 } from './store-records.ts';

/**
 * Seeded traffic of a rollout between champion `v1` and candidate `v2` of model `spam`, with everything
 * that makes the step figures subtle: traffic of an older version still draining (`v0`), canary and
 * shadow arms, shadow twins whose served answer lies outside the window or is missing, twins answering
 * the same request twice, equal creation times, tied latencies, and every kind of feedback (agreeing,
 * wrong, conflicting, labels the model does not have, a label feedback without a label).
 */
export function generatedRolloutRows(
  count: number,
  seed = 1,
): { predictions: PredictionRecord[]; feedback: FeedbackRecord[] } {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(options: readonly T[]): T => options[Math.floor(next() * options.length)]!;
  const labels = ['spam', 'ham'];
  const predictions: PredictionRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  for (let i = 0; i < count; i++) {
    const served = aPrediction({
      id: `p-${i}`,
      variant: next() < 0.3 ? 'canary' : 'champion',
      label: pick(labels),
      latencyMs: Math.round(next() * 40) / 4,
      createdAt: T0 + Math.floor(i / 3),
      servedPredictionId: null,
    });
    served.modelVersion =
      served.variant === 'canary' ? pick(['v2', 'v2', 'v2', 'v1']) : pick(['v1', 'v1', 'v1', 'v0']);
    predictions.push(served);
    if (next() < 0.5) {
      const twins = next() < 0.1 ? 2 : 1;
      for (let t = 0; t < twins; t++) {
        predictions.push(
          aPrediction({
            id: `s-${i}-${t}`,
            variant: 'shadow',
            modelVersion: pick(['v2', 'v2', 'v2', 'v0']),
            label: pick(labels),
            latencyMs: Math.round(next() * 80) / 4,
            // Sometimes answered well after the served one: past the end of a window.
            createdAt: served.createdAt + (next() < 0.1 ? 50 : t),
            servedPredictionId: next() < 0.05 ? null : next() < 0.05 ? 'p-missing' : served.id,
          }),
        );
      }
    }
    const ratings = next() < 0.4 ? Math.ceil(next() * 3) : 0;
    for (let r = 0; r < ratings; r++) {
      const kind = pick(['correct', 'incorrect', 'label', 'label'] as const);
      feedback.push(
        aFeedback({
          id: `f-${i}-${r}`,
          predictionId: served.id,
          kind,
          label: kind === 'label' ? pick(['spam', 'ham', 'ham', 'phishing', null]) : null,
          createdAt: served.createdAt + 10,
        }),
      );
    }
  }
  // Feedback on predictions that are not in the store, or are shadows: never part of an arm.
  feedback.push(aFeedback({ id: 'f-orphan', predictionId: 'p-missing', kind: 'incorrect', label: null }));
  feedback.push(aFeedback({ id: 'f-on-shadow', predictionId: 's-0-0', kind: 'incorrect', label: null }));
  return { predictions, feedback };
}
