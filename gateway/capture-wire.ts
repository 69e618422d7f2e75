import type { PredictionRecord, Variant } from '../core/capture/records.ts';

/**
 * One captured prediction as it crosses to the capture writer thread: its fields in a fixed order,
 * scores and metadata as JSON text. postMessage copies an object field by field with its property
 * names and nested objects, an array of strings and numbers at about half the cost: that copy runs on
 * the gateway's event loop, the decoding in the writer thread.
 */
export type CaptureWireRow = [
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

export function toCaptureWire(row: PredictionRecord): CaptureWireRow {
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

export function fromCaptureWire(wire: CaptureWireRow): PredictionRecord {
  const [id, model, modelVersion, variant, text, label, confidence, scores] = wire;
  const [userKey, servedPredictionId, latencyMs, metadata, createdAt] = wire.slice(8) as [
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
