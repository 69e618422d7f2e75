import { fnv1a32, mix32 } from '../hashing/fnv1a.ts';

/**
 * Word shingles for duplicate detection. Texts are compared on letters and digits only, lower-cased,
 * so that re-wrapping, punctuation and case do not hide a duplicate. Long texts are compared on their
 * first MAX_WORDS words: a campaign's copies share their opening, and this bounds the work per text.
 */
export const MAX_WORDS = 2_000;

export function duplicateWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_WORDS);
}

/** The key under which two texts count as exact duplicates: same words in the same order. */
export function exactDuplicateKey(text: string): string {
  return duplicateWords(text).join(' ');
}

/**
 * The set of hashed `size`-word shingles of a text. A text shorter than `size` words is one shingle of
 * all its words; a text with no words has none (it can only be an exact duplicate).
 */
export function shingleSet(text: string, size: number): Set<number> {
  const wordHashes = duplicateWords(text).map(fnv1a32);
  const shingles = new Set<number>();
  if (wordHashes.length === 0) return shingles;
  const width = Math.min(size, wordHashes.length);
  for (let start = 0; start + width <= wordHashes.length; start++) {
    let hash = 0x811c9dc5;
    for (let k = start; k < start + width; k++) hash = mix32(Math.imul(hash ^ wordHashes[k]!, 0x01000193));
    shingles.add(hash);
  }
  return shingles;
}

/** |A ∩ B| / |A ∪ B|; two empty sets are not similar (nothing to compare). */
export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const value of small) if (large.has(value)) shared++;
  return shared / (a.size + b.size - shared);
}
