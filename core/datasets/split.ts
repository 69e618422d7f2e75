import { sha256OfText } from '../hashing/sha256.ts';

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
  // The first 32 bits of SHA-256("<seed>:<id>"), as a uniform number in [0, 1). A cryptographic hash
  // because ids may be anything (not only content hashes) and must still spread evenly.
  const unit = Number.parseInt(sha256OfText(`${rule.seed >>> 0}:${itemId}`).slice(0, 8), 16) / 2 ** 32;
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
