import { kolmogorovSurvival } from './special-functions.ts';

export interface KolmogorovSmirnovResult {
  /** D = sup_x |F_a(x) − F_b(x)| over the two empirical distribution functions. */
  statistic: number;
  /** Asymptotic p-value Q_KS(D·√(nm/(n+m))), the textbook large-sample form. */
  pValue: number;
  n: number;
  m: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test. D is exact with ties (both distribution functions are stepped
 * past every copy of a value before they are compared). The p-value is the asymptotic one, without
 * small-sample correction: reliable from a few dozen values per side, which the monitor's minimum window
 * size guarantees; it agrees with the usual critical-value rule D > c(α)·√((n+m)/(nm)).
 * With an empty sample there is nothing to test: D = 0, p = 1.
 */
export function kolmogorovSmirnovTwoSample(
  a: readonly number[],
  b: readonly number[],
): KolmogorovSmirnovResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1, n, m };
  const statistic = kolmogorovSmirnovStatistic(a, b);
  return { statistic, pValue: kolmogorovSmirnovPValue(statistic, n, m), n, m };
}

/** D between the empirical distributions of two non-empty samples (or sketches of them). */
export function kolmogorovSmirnovStatistic(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  const sortedA = [...a].sort((x, y) => x - y);
  const sortedB = [...b].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < n && j < m) {
    const value = Math.min(sortedA[i]!, sortedB[j]!);
    while (i < n && sortedA[i] === value) i++;
    while (j < m && sortedB[j] === value) j++;
    statistic = Math.max(statistic, Math.abs(i / n - j / m));
  }
  return statistic;
}

/**
 * Asymptotic p-value of D for samples of n and m values. Separate from the statistic so that D measured
 * on quantile sketches can be judged with the sizes of the samples they summarise.
 */
export function kolmogorovSmirnovPValue(statistic: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  return kolmogorovSurvival(statistic * Math.sqrt((n * m) / (n + m)));
}
