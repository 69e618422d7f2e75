import { describe, expect, it } from 'vitest';
import { categoricalStabilityIndex, populationStabilityIndex } from './population-stability.ts';

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('populationStabilityIndex', () => {
  it('is 0 for the same distribution', () => {
    expect(populationStabilityIndex(range(1, 100), range(1, 100)).psi).toBe(0);
  });

  it('matches a two-bin example computed by hand', () => {
    // Reference 1..10, 2 bins: cut at the 5th smallest value (5) → (−∞, 5], (5, ∞), shares 0.5/0.5.
    // Current {1,2,3,6,…,12}: shares 0.3/0.7. PSI = (0.3−0.5)·ln(0.3/0.5) + (0.7−0.5)·ln(0.7/0.5)
    // = 0.2·0.5108256 + 0.2·0.3364722 = 0.1694596.
    const result = populationStabilityIndex(range(1, 10), [1, 2, 3, 6, 7, 8, 9, 10, 11, 12], { bins: 2 });
    expect(result.bins.map((b) => [b.lower, b.upper, b.referenceShare, b.currentShare])).toEqual([
      [Number.NEGATIVE_INFINITY, 5, 0.5, 0.3],
      [5, Number.POSITIVE_INFINITY, 0.5, 0.7],
    ]);
    expect(result.psi).toBeCloseTo(0.1694596, 7);
  });

  it('cuts at reference deciles and spreads the reference evenly', () => {
    const result = populationStabilityIndex(range(1, 1000), range(1, 1000));
    expect(result.bins).toHaveLength(10);
    expect(result.bins.map((b) => b.upper).slice(0, 9)).toEqual([
      100, 200, 300, 400, 500, 600, 700, 800, 900,
    ]);
    expect(result.bins.every((b) => b.referenceShare === 0.1)).toBe(true);
  });

  it('floors empty bins at epsilon instead of dividing by zero', () => {
    // Reference 1..10, 2 bins; current all ≤ 5: shares (1, 0) → second share floored at 1e-4.
    // PSI = (1−0.5)·ln 2 + (1e-4 − 0.5)·ln(1e-4/0.5) = 0.3465736 + 4.2577449 = 4.6043185.
    const result = populationStabilityIndex(range(1, 10), [1, 2, 3, 4, 5], { bins: 2 });
    expect(result.psi).toBeCloseTo(4.6043185, 6);
  });

  it('merges bins when the reference has ties', () => {
    // Reference mostly 1.0 (a confident model): cuts collapse, every value still lands in a bin.
    const reference = [...Array(90).fill(1), ...range(1, 10).map((i) => i / 20)];
    const result = populationStabilityIndex(reference, reference);
    expect(result.bins.length).toBeLessThan(10);
    expect(result.bins.reduce((sum, b) => sum + b.referenceShare, 0)).toBeCloseTo(1, 12);
    expect(result.psi).toBe(0);
  });

  it('catches current values beyond the reference range in the open end bins', () => {
    const result = populationStabilityIndex(range(1, 100), range(200, 100));
    expect(result.bins.at(-1)!.currentShare).toBe(1);
    expect(result.psi).toBeGreaterThan(0.25);
  });
});

describe('categoricalStabilityIndex', () => {
  it('matches a hand computation', () => {
    // Shares 0.5/0.5 → 0.25/0.75: (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5) = 0.25·0.6931472 + 0.25·0.4054651
    // = 0.2746531.
    expect(categoricalStabilityIndex({ ham: 50, spam: 50 }, { ham: 25, spam: 75 })).toBeCloseTo(0.2746531, 7);
  });

  it('treats a new category as an epsilon share in the reference', () => {
    // {a: 1} → {a: 0.5, b: 0.5}: (0.5−1)·ln(0.5) + (0.5−1e-4)·ln(0.5/1e-4) = 0.3465736 + 4.2577449.
    expect(categoricalStabilityIndex({ a: 10 }, { a: 5, b: 5 })).toBeCloseTo(4.6043185, 6);
  });
});
