import type { PredictionRecord, Variant } from '../core/capture/records.ts';
import type { LoadedModel } from './model-cache.ts';
import { newPredictionId } from './prediction-id.ts';

export interface PredictionInput {
  model: string;
  text: string;
  userKey: string | null;
  metadata: Record<string, string>;
}

/** Runs a loaded version on one input and describes the outcome as the record the store will keep. */
export async function predictAndDescribe(
  loaded: LoadedModel,
  input: PredictionInput,
  variant: Variant,
  servedPredictionId: string | null,
): Promise<PredictionRecord> {
  const started = performance.now();
  const { label, confidence, scores } = await loaded.classifier.predict(input.text);
  const latencyMs = performance.now() - started;
  const createdAt = Date.now();
  return {
    id: newPredictionId(createdAt),
    model: input.model,
    modelVersion: loaded.version.id,
    variant,
    text: input.text,
    label,
    confidence,
    scores,
    userKey: input.userKey,
    servedPredictionId,
    latencyMs,
    metadata: input.metadata,
    createdAt,
  };
}
