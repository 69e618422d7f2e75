import type { VocabularyMeter } from '../monitor/out-of-vocabulary.ts';
import type { FeatureConfig } from './feature-config.ts';
import type { Prediction } from './linear-model.ts';

/**
 * How a model wants its input: the built-in hashed n-gram featuriser with this config (so serving
 * featurises exactly as training did), or the raw text, featurised inside the model itself.
 */
export type InputContract = { kind: 'hashed-ngrams'; features: FeatureConfig } | { kind: 'raw-text' };

/** What the loop needs of a loaded model, whatever trained it and whatever runs it. */
export interface ModelPredictor {
  /** The artifact format it was loaded from, e.g. "flywheel.text-classifier/v1" or "onnx/v1". */
  readonly format: string;
  /** Class labels in the order of its scores. */
  readonly labels: readonly string[];
  readonly input: InputContract;
  /** Scores a batch of texts; one prediction per text, in order; every prediction's scores sum to 1. */
  predictBatch(texts: readonly string[]): Promise<Prediction[]>;
  /**
   * How unfamiliar a text is to the model, for the monitor's out-of-vocabulary rate; null when the
   * kind cannot tell (its weights are not readable as hashed-slot rows).
   */
  vocabularyMeter(): VocabularyMeter | null;
}

/** One artifact format: how to recognise its bytes and turn them into a predictor. */
export interface ModelKind {
  readonly format: string;
  /** Whether these artifact bytes are of this kind, from their first bytes only. */
  recognizes(artifact: Uint8Array): boolean;
  /**
   * Loads and validates an artifact (labels, graph against manifest, scores summing to 1); anything
   * wrong is a ModelKindError whose message names the problem in one line.
   */
  load(artifact: Uint8Array): Promise<ModelPredictor>;
}

export class ModelKindError extends Error {
  override name = 'ModelKindError';
}

/** The kinds a deployment can serve. Every room loads a model through this, never by its format. */
export class ModelKinds {
  readonly #kinds: readonly ModelKind[];

  constructor(kinds: readonly ModelKind[]) {
    this.#kinds = kinds;
  }

  get formats(): string[] {
    return this.#kinds.map((kind) => kind.format);
  }

  kindOf(artifact: Uint8Array): ModelKind {
    const kind = this.#kinds.find((candidate) => candidate.recognizes(artifact));
    if (!kind) {
      throw new ModelKindError(
        `the artifact is none of the model kinds this deployment serves (${this.formats.join(', ')})`,
      );
    }
    return kind;
  }

  load(artifact: Uint8Array): Promise<ModelPredictor> {
    return this.kindOf(artifact).load(artifact);
  }
}

/** Starts with these ASCII bytes. */
export function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** The predictions' labels by text, for rooms that ask one text at a time (the gate's summaries). */
export async function labelsOf(
  predictor: ModelPredictor,
  texts: readonly string[],
): Promise<Map<string, string>> {
  const distinct = [...new Set(texts)];
  const predictions = await predictor.predictBatch(distinct);
  return new Map(distinct.map((text, i) => [text, predictions[i]!.label]));
}
