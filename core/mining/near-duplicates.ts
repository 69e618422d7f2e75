import { mix32 } from '../hashing/fnv1a.ts';
import { jaccard, shingleSet } from './shingles.ts';

/**
 * Finds near duplicates among texts added one by one, deterministically.
 *
 * MinHash signatures (64 seeded permutations of the shingle hashes) are cut into bands; texts sharing a
 * band are compared, and a match is confirmed by the exact Jaccard similarity of their shingle sets, so
 * the threshold is applied exactly and MinHash only decides which pairs get compared. The rows per band
 * are the most that still give a pair at the threshold a ≥ 99% chance of sharing a band
 * (1 − (1 − t^r)^(64/r) ≥ 0.99); more similar pairs are found with even higher probability.
 */
const SIGNATURE_LENGTH = 64;
const ROW_CHOICES = [8, 4, 2, 1] as const;
const SEEDS = Array.from({ length: SIGNATURE_LENGTH }, (_, i) => mix32(0x9e3779b9 + i));

export function rowsPerBand(threshold: number): number {
  for (const rows of ROW_CHOICES) {
    const bands = SIGNATURE_LENGTH / rows;
    if (1 - (1 - threshold ** rows) ** bands >= 0.99) return rows;
  }
  return 1;
}

interface Entry {
  key: string;
  shingles: Set<number>;
}

export class NearDuplicateIndex {
  readonly #threshold: number;
  readonly #shingleSize: number;
  readonly #rows: number;
  readonly #entries: Entry[] = [];
  readonly #buckets = new Map<string, number[]>();

  constructor(threshold: number, shingleSize: number) {
    this.#threshold = threshold;
    this.#shingleSize = shingleSize;
    this.#rows = rowsPerBand(threshold);
  }

  /**
   * The key of the earliest-added text at least `threshold`-similar to `text`, with the similarity;
   * otherwise adds `text` under `key` and returns null.
   */
  matchOrAdd(key: string, text: string): { key: string; similarity: number } | null {
    const shingles = shingleSet(text, this.#shingleSize);
    if (shingles.size === 0) return null;
    const bandKeys = this.#bandKeys(shingles);
    const compared = new Set<number>();
    let best: { index: number; similarity: number } | null = null;
    for (const bandKey of bandKeys) {
      for (const index of this.#buckets.get(bandKey) ?? []) {
        if (compared.has(index)) continue;
        compared.add(index);
        const similarity = jaccard(shingles, this.#entries[index]!.shingles);
        if (similarity >= this.#threshold && (best === null || index < best.index))
          best = { index, similarity };
      }
    }
    if (best) return { key: this.#entries[best.index]!.key, similarity: best.similarity };
    const index = this.#entries.push({ key, shingles }) - 1;
    for (const bandKey of bandKeys) {
      const bucket = this.#buckets.get(bandKey);
      if (bucket) bucket.push(index);
      else this.#buckets.set(bandKey, [index]);
    }
    return null;
  }

  #bandKeys(shingles: Set<number>): string[] {
    const signature = new Array<number>(SIGNATURE_LENGTH).fill(0xffffffff);
    for (const shingle of shingles) {
      for (let i = 0; i < SIGNATURE_LENGTH; i++) {
        const value = mix32(shingle ^ SEEDS[i]!);
        if (value < signature[i]!) signature[i] = value;
      }
    }
    const keys: string[] = [];
    for (let start = 0; start < SIGNATURE_LENGTH; start += this.#rows) {
      keys.push(`${start}:${signature.slice(start, start + this.#rows).join(',')}`);
    }
    return keys;
  }
}
