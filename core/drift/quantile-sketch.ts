import { DEFAULT_KLL_K, KllSketch } from './kll-sketch.ts';

/**
 * A fixed-size, serializable summary of a numeric sample: `points` evenly spaced order statistics
 * (minimum, …, median, …, maximum), read off a KLL sketch so that memory stays bounded whatever the
 * sample's size (the values are streamed, never copied or sorted whole). Its empirical distribution
 * is within 1/(points − 1) plus the sketch's rank error (about 1.7/k) of the sample's everywhere,
 * which is what a monitor needs to carry a reference window through continue-as-new. A sample no
 * larger than `points` (and k) is kept whole.
 */
export const DEFAULT_SKETCH_POINTS = 201;

export function quantileSketch(
  values: Iterable<number>,
  points = DEFAULT_SKETCH_POINTS,
  k = Math.max(DEFAULT_KLL_K, points),
): number[] {
  const sketch = new KllSketch(k);
  for (const value of values) sketch.add(value);
  return pointsOf(sketch, points);
}

/** The `points` evenly spaced order statistics of a sketch (its whole sample while it is exact and small). */
export function pointsOf(sketch: KllSketch, points = DEFAULT_SKETCH_POINTS): number[] {
  if (sketch.exact && sketch.count <= points) return sketch.weightedValues().map((w) => w.value);
  return sketch.quantiles(Array.from({ length: points }, (_, q) => q / (points - 1)));
}
