/**
 * A fixed-size, serializable summary of a numeric sample: `points` evenly spaced order statistics
 * (minimum, …, median, …, maximum). Its empirical distribution is within 1/(points − 1) of the sample's
 * everywhere, which is what a monitor needs to carry a reference window through continue-as-new
 * without carrying every value. A sample no larger than `points` is kept whole.
 */
export const DEFAULT_SKETCH_POINTS = 201;

export function quantileSketch(values: readonly number[], points = DEFAULT_SKETCH_POINTS): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length <= points) return sorted;
  return Array.from(
    { length: points },
    (_, q) => sorted[Math.round((q * (sorted.length - 1)) / (points - 1))]!,
  );
}
