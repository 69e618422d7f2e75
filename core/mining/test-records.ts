import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';

/** Builders of capture records for tests: only what a test cares about has to be spelled out. */
export function prediction(overrides: Partial<PredictionRecord> & { id: string }): PredictionRecord {
  return {
    model: 'spam',
    modelVersion: 'v1',
    variant: 'champion',
    text: `message number ${overrides.id} about something quite specific to ${overrides.id}`,
    label: 'ham',
    confidence: 0.95,
    scores: {},
    userKey: null,
    servedPredictionId: null,
    latencyMs: 5,
    metadata: {},
    createdAt: 1_000,
    ...overrides,
  };
}

export function feedback(
  predictionId: string,
  kind: FeedbackRecord['kind'],
  label: string | null = null,
  id = `${predictionId}-${kind}-${label ?? ''}`,
  fromPredictionUser = true,
): FeedbackRecord {
  return {
    id,
    predictionId,
    model: 'spam',
    kind,
    label,
    userKey: null,
    fromPredictionUser,
    createdAt: 2_000,
  };
}
