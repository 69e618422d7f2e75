import type { PredictionRecord, Variant } from './records.ts';

/**
 * A captured prediction as a flat row of its fields in a fixed order, scores and metadata as JSON text:
 * the column order the embedded store binds, and the shape batches cross to the gateway's capture
 * writer thread in (postMessage copies an array of strings and numbers about twice as fast as an
 * object with nested objects).
 */
export type PredictionFields = [
  id: string,
  model: string,
  modelVersion: string,
  variant: Variant,
  text: string,
  label: string,
  confidence: number,
  scores: string,
  userKey: string | null,
  servedPredictionId: string | null,
  latencyMs: number,
  metadata: string,
  createdAt: number,
];

export function toPredictionFields(row: PredictionRecord): PredictionFields {
  return [
    row.id,
    row.model,
    row.modelVersion,
    row.variant,
    row.text,
    row.label,
    row.confidence,
    JSON.stringify(row.scores),
    row.userKey,
    row.servedPredictionId,
    row.latencyMs,
    JSON.stringify(row.metadata ?? {}),
    row.createdAt,
  ];
}

export function fromPredictionFields(fields: PredictionFields): PredictionRecord {
  const [id, model, modelVersion, variant, text, label, confidence, scores] = fields;
  const [userKey, servedPredictionId, latencyMs, metadata, createdAt] = fields.slice(8) as [
    string | null,
    string | null,
    number,
    string,
    number,
  ];
  return {
    id,
    model,
    modelVersion,
    variant,
    text,
    label,
    confidence,
    scores: JSON.parse(scores),
    userKey,
    servedPredictionId,
    latencyMs,
    metadata: JSON.parse(metadata),
    createdAt,
  };
}
