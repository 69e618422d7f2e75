import { mulberry32 } from '../core/model/prng.ts';

/** A copy of `items` in an order drawn from `seed` (Fisher–Yates over mulberry32): the same on every run. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
