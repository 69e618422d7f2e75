import { mix32 } from '../hashing/fnv1a.ts';

/** mulberry32: a tiny, fast, seedable PRNG whose output is the same on every JS engine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The example order of one epoch. It depends only on (seed, epoch), so a run resumed at epoch e draws
 * the same order as an uninterrupted one without carrying PRNG state in the checkpoint.
 */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = mulberry32(mix32((seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b1)));
  // Fisher-Yates.
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}
