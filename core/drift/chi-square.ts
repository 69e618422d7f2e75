import { regularizedGammaQ } from './special-functions.ts';

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  /** P(χ²_df ≥ statistic) = Q(df/2, statistic/2). 1 when there is nothing to compare (df = 0). */
  pValue: number;
}

/** Survival function of the chi-square distribution with `degreesOfFreedom`. */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  if (degreesOfFreedom <= 0) return 1;
  if (statistic <= 0) return 1;
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
}

/**
 * Pearson's goodness-of-fit test: do the observed counts follow the expected shares? Categories with an
 * expected share of 0 are left out when nothing was observed in them; an observation in a category
 * expected never to occur makes the statistic infinite (p = 0). df = categories − 1.
 */
export function chiSquareGoodnessOfFit(
  observed: Readonly<Record<string, number>>,
  expectedShares: Readonly<Record<string, number>>,
): ChiSquareResult {
  const categories = [...new Set([...Object.keys(observed), ...Object.keys(expectedShares)])].sort();
  const total = categories.reduce((sum, c) => sum + (observed[c] ?? 0), 0);
  const shareTotal = categories.reduce((sum, c) => sum + (expectedShares[c] ?? 0), 0);
  let statistic = 0;
  let used = 0;
  for (const category of categories) {
    const count = observed[category] ?? 0;
    const expected = (total * (expectedShares[category] ?? 0)) / shareTotal;
    if (expected === 0) {
      if (count > 0)
        return { statistic: Number.POSITIVE_INFINITY, degreesOfFreedom: categories.length - 1, pValue: 0 };
      continue;
    }
    used++;
    statistic += (count - expected) ** 2 / expected;
  }
  const degreesOfFreedom = Math.max(0, used - 1);
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}

/**
 * Pearson's test of homogeneity on the 2 × k table of two samples' category counts: were both drawn
 * from the same distribution? This is the right test for "reference window vs current window", where
 * both sides are samples. Categories absent from both are left out; df = (2 − 1)(k − 1).
 */
export function chiSquareHomogeneity(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): ChiSquareResult {
  const categories = [...new Set([...Object.keys(reference), ...Object.keys(current)])]
    .filter((c) => (reference[c] ?? 0) + (current[c] ?? 0) > 0)
    .sort();
  const referenceTotal = categories.reduce((sum, c) => sum + (reference[c] ?? 0), 0);
  const currentTotal = categories.reduce((sum, c) => sum + (current[c] ?? 0), 0);
  const total = referenceTotal + currentTotal;
  if (categories.length < 2 || referenceTotal === 0 || currentTotal === 0) {
    return { statistic: 0, degreesOfFreedom: 0, pValue: 1 };
  }
  let statistic = 0;
  for (const category of categories) {
    const columnTotal = (reference[category] ?? 0) + (current[category] ?? 0);
    for (const [rowTotal, count] of [
      [referenceTotal, reference[category] ?? 0],
      [currentTotal, current[category] ?? 0],
    ] as const) {
      const expected = (rowTotal * columnTotal) / total;
      statistic += (count - expected) ** 2 / expected;
    }
  }
  const degreesOfFreedom = categories.length - 1;
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}
