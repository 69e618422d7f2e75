import type { DatasetItem } from './dataset.ts';

/** The training param Flywheel reads itself (like `seed`) and does not pass to the trainer. */
export const FRESH_LABEL_WEIGHT_PARAM = 'freshLabelWeight';

/**
 * The train split with the labels cycles gathered from production traffic (corrected mistakes, reviewed
 * edge cases: every item not from the seed corpus) repeated `weight` times. They come from the world the
 * model now serves and are scarce beside the seed's older labels; repeating them is importance weighting
 * for that drift. Earlier cycles' labels count too, so that a later cycle does not dilute what the previous
 * one taught. It changes the examples, not the optimiser, so it works with any trainer.
 */
export function weightFreshLabels<Item extends Pick<DatasetItem, 'source'>>(
  train: readonly Item[],
  weight: number,
): Item[] {
  if (weight === 1) return [...train];
  const weighted: Item[] = [];
  for (const item of train) {
    const times = item.source.kind === 'seed' ? 1 : weight;
    for (let i = 0; i < times; i++) weighted.push(item);
  }
  return weighted;
}
