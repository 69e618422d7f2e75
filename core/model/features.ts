import { mix32 } from '../hashing/fnv1a.ts';
import type { FeatureConfig } from './feature-config.ts';
import { createTokenReader, tokenBuffers } from './tokenizer.ts';

/** A sparse vector: distinct indices, in the order their tokens first occur in the text, and their values. */
export interface SparseVector {
  readonly indices: Uint32Array;
  readonly values: Float64Array;
}

/** The slot of a pair of adjacent tokens: mix32(31 × hash(first) + hash(second) mod 2^32). */
export function pairHash(first: number, second: number): number {
  return mix32((Math.imul(first, 31) + second) >>> 0);
}

/** Returns the featuriser of a config; its scanner and scratch space are made once. */
export function createFeaturizer(config: FeatureConfig): (text: string) => SparseVector {
  const mask = config.dimension - 1;
  const scan = createTokenReader(config);
  const tokens = tokenBuffers(config.maxTokens);
  const bigrams = config.ngrams === 2;
  // Dense scratch counts, reset after each text through the list of slots it used. 16 bits suffice
  // (a slot counts at most two per token, tokens are capped), and keep the table small enough to stay in cache.
  const counts = new Uint16Array(config.dimension);
  const used = new Uint32Array(config.maxTokens * 2);
  return (text) => {
    const count = scan(config.lowercase ? text.toLowerCase() : text, tokens);
    const hashes = tokens.hashes;
    let usedCount = 0;
    for (let t = 0; t < count; t++) {
      const hash = hashes[t]!;
      let slot = hash & mask;
      if (counts[slot] === 0) used[usedCount++] = slot;
      counts[slot] = counts[slot]! + 1;
      if (bigrams && t > 0) {
        slot = pairHash(hashes[t - 1]!, hash) & mask;
        if (counts[slot] === 0) used[usedCount++] = slot;
        counts[slot] = counts[slot]! + 1;
      }
    }
    // Not sorted: sorting thousands of short arrays costs a tenth of a training run and buys nothing.
    const indices = used.slice(0, usedCount);
    const values = new Float64Array(usedCount);
    for (let i = 0; i < usedCount; i++) {
      values[i] = counts[indices[i]!]!;
      counts[indices[i]!] = 0;
    }
    return weigh(indices, values, config.weighting);
  };
}

/** Turns counts into weights in place, then scales the vector to unit L2 length. */
function weigh(
  indices: Uint32Array,
  values: Float64Array,
  weighting: FeatureConfig['weighting'],
): SparseVector {
  let norm = 0;
  for (let i = 0; i < values.length; i++) {
    const count = values[i]!;
    const value = weighting === 'binary' ? 1 : weighting === 'tf' ? count : 1 + Math.log(count);
    values[i] = value;
    norm += value * value;
  }
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale;
  }
  return { indices, values };
}
