import type { DatasetItem } from '../datasets/dataset.ts';
import { type PerturbationFamily, perturbText } from './perturbations.ts';

/** The holdout as one perturbation family rewrites it; labels stay what they were. */
export interface PerturbedHoldout {
  family: PerturbationFamily;
  items: readonly DatasetItem[];
}

/** Rewrites the holdout once per family, so candidate and champion are measured on the very same texts. */
export function perturbHoldout(
  holdout: readonly DatasetItem[],
  families: readonly PerturbationFamily[],
  seed: number,
): PerturbedHoldout[] {
  return families.map((family) => ({
    family,
    items: holdout.map((item) => ({ ...item, text: perturbText(item.text, family, seed) })),
  }));
}
