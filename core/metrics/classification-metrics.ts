export interface LabelledPair {
  actual: string;
  predicted: string;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[actual][predicted] = count. */
  confusion: Record<string, Record<string, number>>;
}

/**
 * Accuracy, per-class precision/recall/F1, macro F1 and the confusion matrix. An empty set has
 * accuracy 0 (not NaN) so that a gate comparing it fails instead of passing on NaN comparisons; a
 * class never predicted has precision 0.
 */
export function classificationMetrics(
  pairs: readonly LabelledPair[],
  labels: readonly string[],
): ClassificationMetrics {
  const confusion: Record<string, Record<string, number>> = {};
  for (const actual of labels) confusion[actual] = Object.fromEntries(labels.map((label) => [label, 0]));
  let correct = 0;
  for (const { actual, predicted } of pairs) {
    const row = confusion[actual] ?? {};
    confusion[actual] = row;
    row[predicted] = (row[predicted] ?? 0) + 1;
    if (actual === predicted) correct += 1;
  }
  const perClass: Record<string, ClassMetrics> = {};
  for (const label of labels) {
    const truePositives = confusion[label]?.[label] ?? 0;
    const support = Object.values(confusion[label] ?? {}).reduce((sum, count) => sum + count, 0);
    const predictedAs = Object.values(confusion).reduce((sum, row) => sum + (row[label] ?? 0), 0);
    const precision = predictedAs === 0 ? 0 : truePositives / predictedAs;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support };
  }
  const macroF1 =
    labels.length === 0 ? 0 : labels.reduce((sum, label) => sum + perClass[label]!.f1, 0) / labels.length;
  return { accuracy: pairs.length === 0 ? 0 : correct / pairs.length, macroF1, perClass, confusion };
}
