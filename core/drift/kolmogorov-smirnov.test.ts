import { describe, expect, it } from 'vitest';
import { kolmogorovSmirnovStatistic, kolmogorovSmirnovTwoSample } from './kolmogorov-smirnov.ts';
import { quantileSketch } from './quantile-sketch.ts';

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('kolmogorovSmirnovTwoSample', () => {
  it('computes D as read off the two step functions by hand', () => {
    // Disjoint samples: one distribution function reaches 1 before the other leaves 0.
    expect(kolmogorovSmirnovTwoSample([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).statistic).toBe(1);
    // {1,2,3,4} vs {3,4,5,6}: at 2 the ECDFs are 0.5 and 0; at 3, 0.75 and 0.25; at 4, 1 and 0.5 → D = 0.5.
    expect(kolmogorovSmirnovTwoSample([4, 2, 3, 1], [6, 3, 5, 4]).statistic).toBe(0.5);
    expect(kolmogorovSmirnovTwoSample([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
  });

  it('steps past ties on both sides before comparing', () => {
    // {1,1,2} vs {1,2,2}: at 1 the ECDFs are 2/3 and 1/3; at 2 both are 1 → D = 1/3 (not 2/3).
    expect(kolmogorovSmirnovTwoSample([1, 1, 2], [1, 2, 2]).statistic).toBeCloseTo(1 / 3, 15);
  });

  it('agrees with the textbook critical-value rule D > c(α)·√((n+m)/(nm))', () => {
    // n = m = 100: the 5% critical D is 1.358·√(0.02) = 0.19205 and the 1% one 1.628·√(0.02) = 0.23023
    // (c(α) from Massey 1951 / Smirnov 1948). Shifting 0..99 by k gives D = k/100 exactly.
    const base = range(0, 100);
    const shifted = (k: number) => kolmogorovSmirnovTwoSample(base, range(k, 100));
    expect(shifted(19).statistic).toBeCloseTo(0.19, 12);
    expect(shifted(19).pValue).toBeGreaterThan(0.05);
    expect(shifted(20).pValue).toBeLessThan(0.05);
    expect(shifted(23).pValue).toBeGreaterThan(0.01);
    expect(shifted(24).pValue).toBeLessThan(0.01);
  });

  it('uses the effective size nm/(n+m) for unequal samples', () => {
    // n = 100, m = 400: nm/(n+m) = 80; D = 0.2 → λ = 0.2·√80 = 1.78885; Q(1.78885) = 2Σ(−1)^{j−1}e^{−2j²λ²}
    // = 2(e^{−6.4} − e^{−25.6} + …) = 0.0033231 (first term dominates; by hand).
    // a: 20 zeros and 80 ones; b: 400 ones. At 0 the ECDFs are 0.2 and 0, at 1 both are 1 → D = 0.2.
    const a = [...Array(20).fill(0), ...Array(80).fill(1)];
    const b = Array(400).fill(1);
    const result = kolmogorovSmirnovTwoSample(a, b);
    expect(result.statistic).toBeCloseTo(0.2, 12);
    expect(result.pValue).toBeCloseTo(2 * Math.exp(-6.4), 9);
  });

  it('has nothing to test with an empty sample', () => {
    expect(kolmogorovSmirnovTwoSample([], [1, 2])).toEqual({ statistic: 0, pValue: 1, n: 0, m: 2 });
  });
});

describe('kolmogorovSmirnovStatistic on quantile sketches', () => {
  it('stays within 1/(points−1) of D on the full samples', () => {
    // Deterministic pseudo-random samples: squares skew one of them.
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const a = Array.from({ length: 5_000 }, () => next());
    const b = Array.from({ length: 3_000 }, () => next() ** 1.3);
    const full = kolmogorovSmirnovStatistic(a, b);
    const sketched = kolmogorovSmirnovStatistic(quantileSketch(a, 201), quantileSketch(b, 201));
    expect(Math.abs(full - sketched)).toBeLessThanOrEqual(2 / 200);
    expect(quantileSketch([3, 1, 2])).toEqual([1, 2, 3]);
  });
});
