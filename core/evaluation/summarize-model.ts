import type { DatasetItem } from '../datasets/dataset.ts';
import type { EvaluationSummary, MetricSet, SliceMetrics } from '../gate/evaluation-summary.ts';
import { classificationMetrics } from '../metrics/classification-metrics.ts';
import type { PerturbedHoldout } from '../robustness/perturbed-holdout.ts';

export interface EvaluationSets {
  holdout: readonly DatasetItem[];
  golden: readonly DatasetItem[];
  /** This cycle's mined mistakes (final label ≠ served label), trained on or not. */
  minedMistakes: readonly DatasetItem[];
  /** The holdout rewritten by each perturbation family the gate checks (none: no robustness figures). */
  perturbedHoldouts?: readonly PerturbedHoldout[];
}

/**
 * What the gate needs about one model, measured on the given sets: holdout and golden metrics,
 * slices of the holdout per true label and per data group, and how many mined mistakes it now fixes.
 */
export function summarizeModel(
  predict: (text: string) => string,
  labels: readonly string[],
  sets: EvaluationSets,
): EvaluationSummary {
  const measure = (items: readonly DatasetItem[]): MetricSet => {
    const { accuracy, macroF1 } = classificationMetrics(
      items.map((item) => ({ actual: item.label, predicted: predict(item.text) })),
      labels,
    );
    return { accuracy, macroF1, size: items.length };
  };
  const slices: SliceMetrics[] = [];
  for (const [kind, keyOf] of [
    ['label', (item: DatasetItem) => item.label],
    ['group', (item: DatasetItem) => item.group],
  ] as const) {
    const byKey = new Map<string, DatasetItem[]>();
    for (const item of sets.holdout) {
      const key = keyOf(item);
      if (key === null) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), item]);
    }
    for (const [name, items] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
      slices.push({ kind, name, size: items.length, metrics: measure(items) });
    }
  }
  const fixed = sets.minedMistakes.filter((item) => predict(item.text) === item.label).length;
  return {
    holdout: measure(sets.holdout),
    golden: sets.golden.length > 0 ? measure(sets.golden) : null,
    slices,
    minedMistakes: sets.minedMistakes.length > 0 ? { total: sets.minedMistakes.length, fixed } : null,
    robustness: (sets.perturbedHoldouts ?? []).map(({ family, items }) => ({
      family,
      size: items.length,
      accuracy:
        items.length === 0
          ? 0
          : items.filter((item) => predict(item.text) === item.label).length / items.length,
    })),
  };
}
