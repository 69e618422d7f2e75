import type { PredictionRecord, Variant } from './records.ts';

/**
 * A captured prediction as a flat row of its fields in a fixed order, scores and metadata as JSON text:
 * the column order the embedded store binds.
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
