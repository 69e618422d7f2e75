import type { DatasetItem } from './dataset.ts';

/** The training param Flywheel reads itself (like `seed`) and does not pass to the trainer. */
export const FRESH_LABEL_WEIGHT_PARAM = 'freshLabelWeight';

/**
 * The train split with this turn's labels (the items of the dataset version's own batch: corrected
 * mistakes, reviewed edge cases) repeated `weight` times. The era they come from is the one the model now
 * serves and is scarce among years of older labels; repeating them is importance weighting for that
 * drift, and works with any trainer because it changes the examples, not the optimiser.
 */
export function weightFreshLabels<Item extends Pick<DatasetItem, 'source'>>(
  train: readonly Item[],
  batchId: string | null,
  weight: number,
): Item[] {
  if (batchId === null || weight === 1) return [...train];
  const weighted: Item[] = [];
  for (const item of train) {
    const times = item.source.batchId === batchId ? weight : 1;
    for (let i = 0; i < times; i++) weighted.push(item);
  }
  return weighted;
}
