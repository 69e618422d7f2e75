import { sha256 } from './content-hash.ts';

/** Which side of a train/holdout split an item falls on. */
export type SplitSide = 'train' | 'holdout';

export interface SplitRule {
  /** Changing the seed reshuffles every item; keeping it keeps every item where it was. */
  seed: number;
  /** Expected share of items on the holdout side, in [0, 1]. */
  holdoutFraction: number;
}

/**
 * The side of one item, decided by a hash of (seed, item id) alone — never by position or by the other
 * items — so as a dataset grows, every item it already had stays on its side and a holdout never leaks
 * into a later training set.
 */
export function splitSide(itemId: string, rule: SplitRule): SplitSide {
  if (!(rule.holdoutFraction >= 0 && rule.holdoutFraction <= 1)) {
    throw new Error(`holdoutFraction must be within [0, 1], got ${rule.holdoutFraction}`);
  }
  const digest = sha256(new TextEncoder().encode(`${rule.seed >>> 0}:${itemId}`));
  // The first 32 bits of the digest, as a uniform number in [0, 1).
  const unit = (((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0) / 2 ** 32;
  return unit < rule.holdoutFraction ? 'holdout' : 'train';
}

/** Splits items by `splitSide`, keeping their order within each side. */
export function splitItems<T extends { id: string }>(
  items: readonly T[],
  rule: SplitRule,
): { train: T[]; holdout: T[] } {
  const train: T[] = [];
  const holdout: T[] = [];
  for (const item of items) (splitSide(item.id, rule) === 'holdout' ? holdout : train).push(item);
  return { train, holdout };
}
