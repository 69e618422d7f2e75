import type { FeatureConfig } from './feature-config.ts';
import type { SparseVector } from './features.ts';
import { createFeaturizer } from './features.ts';

/**
 * A trained multinomial logistic regression over hashed features. Weights are float32: half the memory
 * of float64, and what the artifact stores, so a model in memory and the same model reloaded from its
 * artifact predict bit for bit alike.
 */
export interface LinearTextModel {
  /** Class labels; index k of `bias` and of each weight row belongs to labels[k]. */
  readonly labels: readonly string[];
  readonly features: FeatureConfig;
  /** Row-major by feature: the weight of feature j for class k is weights[j * labels.length + k]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

export interface Prediction {
  label: string;
  /** Probability of the predicted label. */
  confidence: number;
  /** Probability of every label; they sum to 1. */
  scores: Record<string, number>;
}

export interface TextClassifier {
  readonly model: LinearTextModel;
  predict(text: string): Prediction;
}

/**
 * Class probabilities of a feature vector, written into `out`. Ties between equal logits are broken
 * towards the earlier label by the caller's argmax.
 */
export function classProbabilities(
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  classes: number,
  x: SparseVector,
  out: Float64Array,
): void {
  for (let k = 0; k < classes; k++) out[k] = bias[k]!;
  const { indices, values } = x;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]! * classes;
    const value = values[i]!;
    for (let k = 0; k < classes; k++) out[k] = out[k]! + weights[row + k]! * value;
  }
  softmaxInPlace(out, classes);
}

export function softmaxInPlace(logits: Float64Array, classes: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < classes; k++) if (logits[k]! > max) max = logits[k]!;
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    const e = Math.exp(logits[k]! - max);
    logits[k] = e;
    sum += e;
  }
  for (let k = 0; k < classes; k++) logits[k] = logits[k]! / sum;
}

export function argmax(values: Float64Array, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

export function createClassifier(model: LinearTextModel): TextClassifier {
  const classes = model.labels.length;
  if (model.weights.length !== model.features.dimension * classes) {
    throw new Error(
      `weights hold ${model.weights.length} values, expected dimension ${model.features.dimension} × ${classes} labels`,
    );
  }
  if (model.bias.length !== classes)
    throw new Error(`bias holds ${model.bias.length} values, expected ${classes}`);
  const featurize = createFeaturizer(model.features);
  return {
    model,
    predict(text) {
      const probabilities = new Float64Array(classes);
      classProbabilities(model.weights, model.bias, classes, featurize(text), probabilities);
      const best = argmax(probabilities, classes);
      const scores: Record<string, number> = {};
      for (let k = 0; k < classes; k++) scores[model.labels[k]!] = probabilities[k]!;
      return { label: model.labels[best]!, confidence: probabilities[best]!, scores };
    },
  };
}
