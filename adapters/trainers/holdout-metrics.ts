import { classificationMetrics } from '../../core/metrics/classification-metrics.ts';
import type { ModelPredictor } from '../../core/model/model-kind.ts';
import type { TrainingExample } from './trainer.ts';

/**
 * The figures every trainer's result carries, measured the same way whoever trained the model; the
 * keys match what the registry shows for a model version.
 */
export async function holdoutMetrics(
  predictor: ModelPredictor,
  holdout: readonly TrainingExample[],
  labels: readonly string[],
): Promise<Record<string, number>> {
  const predictions = await predictor.predictBatch(holdout.map((example) => example.text));
  const metrics = classificationMetrics(
    holdout.map((example, i) => ({ actual: example.label, predicted: predictions[i]!.label })),
    labels,
  );
  return { accuracy: metrics.accuracy, macroF1: metrics.macroF1, holdoutSize: holdout.length };
}

/** Throws unless the labels are distinct, at least two, and cover every example. */
export function checkLabels(labels: readonly string[], examples: readonly TrainingExample[]): void {
  if (labels.length < 2 || new Set(labels).size !== labels.length) {
    throw new Error(`a training request needs at least two distinct labels, got: ${labels.join(', ')}`);
  }
  const known = new Set(labels);
  const stray = examples.find((example) => !known.has(example.label));
  if (stray) throw new Error(`an example has label "${stray.label}", not one of: ${labels.join(', ')}`);
}
