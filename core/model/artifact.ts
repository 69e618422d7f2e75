import { z } from 'zod';
import { Label } from '../model-name.ts';
import { readableIssues } from '../validation/zod-issues.ts';
import { FeatureConfig } from './feature-config.ts';
import type { LinearTextModel, TextClassifier } from './linear-model.ts';
import { createClassifier } from './linear-model.ts';
import { decodeRows, encodeRows } from './sparse-rows.ts';

/**
 * The artifact of a text classifier: UTF-8 JSON, self-describing, with the weights row-sparse in
 * float32 base64 (see sparse-rows.ts). Nothing time-dependent goes in, so the same training run yields
 * the same bytes and the same artifact hash. External trainers write this format too (examples/trainers/).
 */
export const ARTIFACT_FORMAT = 'flywheel.text-classifier/v1';

/** Where a model came from and how good it was when trained. */
export const ArtifactMetadata = z.object({
  trainer: z.string().min(1),
  datasetId: z.string().min(1).nullable(),
  seed: z.number().int().nullable(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number()),
});
export type ArtifactMetadata = z.infer<typeof ArtifactMetadata>;

const ArtifactDocument = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  labels: z
    .array(Label)
    .min(2)
    .refine((labels) => new Set(labels).size === labels.length, 'labels must be distinct'),
  features: FeatureConfig,
  ...ArtifactMetadata.shape,
  /** Rows 0..dimension-1 of the weight matrix, one column per label. */
  weights: z.object({ rows: z.string(), blocks: z.array(z.string()).length(1) }),
  bias: z.array(z.number().refine(Number.isFinite, 'must be finite')),
});

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

export interface LoadedClassifier extends TextClassifier {
  readonly metadata: ArtifactMetadata;
}

export function serializeClassifier(model: LinearTextModel, metadata: ArtifactMetadata): Uint8Array {
  const checked = ArtifactMetadata.parse(metadata);
  const document: z.input<typeof ArtifactDocument> = {
    format: ARTIFACT_FORMAT,
    labels: [...model.labels],
    features: model.features,
    trainer: checked.trainer,
    datasetId: checked.datasetId,
    seed: checked.seed,
    params: checked.params,
    metrics: checked.metrics,
    weights: encodeRows([model.weights], model.labels.length) as { rows: string; blocks: [string] },
    bias: Array.from(model.bias),
  };
  return new TextEncoder().encode(JSON.stringify(document));
}

/** Loads an artifact; anything malformed raises an ArtifactError that says what is wrong. */
export function deserializeClassifier(bytes: Uint8Array | string): LoadedClassifier {
  let parsed: unknown;
  try {
    const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(`classifier artifact is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (format !== ARTIFACT_FORMAT) {
    throw new ArtifactError(
      `classifier artifact has format ${JSON.stringify(format)}, this version reads ${JSON.stringify(ARTIFACT_FORMAT)}`,
    );
  }
  const result = ArtifactDocument.safeParse(parsed);
  if (!result.success)
    throw new ArtifactError(`classifier artifact is invalid: ${readableIssues(result.error).join('; ')}`);
  const document = result.data;
  const classes = document.labels.length;
  if (document.bias.length !== classes) {
    throw new ArtifactError(`classifier artifact has ${document.bias.length} biases for ${classes} labels`);
  }
  let weights: Float32Array;
  try {
    [weights] = decodeRows(document.weights, document.features.dimension, classes) as [Float32Array];
  } catch (error) {
    throw new ArtifactError(`classifier artifact weights are corrupt: ${(error as Error).message}`);
  }
  const model: LinearTextModel = {
    labels: document.labels,
    features: document.features,
    weights,
    bias: Float32Array.from(document.bias),
  };
  const { trainer, datasetId, seed, params, metrics } = document;
  return { ...createClassifier(model), metadata: { trainer, datasetId, seed, params, metrics } };
}
