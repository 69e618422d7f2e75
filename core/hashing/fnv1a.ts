import { utf8Bytes } from './utf8.ts';

/**
 * 32-bit FNV-1a over UTF-8 bytes: a fast, non-cryptographic hash for hot loops (shingle hashing for
 * near-duplicate detection). Not for ids; see content-hash.ts.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8Bytes(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * MurmurHash3's 32-bit finalizer: a bijection on 32-bit integers with good avalanche. Mixing a hash
 * with different seeds through it gives the independent-looking permutations MinHash needs.
 */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
