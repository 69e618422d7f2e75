import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, chiSquareSurvival } from './chi-square.ts';

describe('chiSquareSurvival', () => {
  it('matches the standard table of upper critical values', () => {
    // NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.4 (critical values of the chi-square
    // distribution), rounded there to 3 decimals, hence 3-4 digits here.
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(11.07, 5)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(23.209, 10)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(43.773, 30)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(124.342, 100)).toBeCloseTo(0.05, 4);
    // Lower tail: with 10 df, 3.940 is the 5% lower critical value (same table), so the survival is 0.95.
    expect(chiSquareSurvival(3.94, 10)).toBeCloseTo(0.95, 3);
  });

  it('matches closed forms: df=2 is e^{−x/2}, df=1 is erfc(√(x/2))', () => {
    // e^{−2} = 0.1353352832366127.
    expect(chiSquareSurvival(4, 2)).toBeCloseTo(0.1353352832366127, 13);
    // erfc(1/√2) = 0.3173105078629141: the two-sided 1-sigma tail (A&S table 26.1).
    expect(chiSquareSurvival(1, 1)).toBeCloseTo(0.3173105078629141, 12);
  });
});

describe('chiSquareGoodnessOfFit', () => {
  it("reproduces Mendel's dihybrid pea cross against 9:3:3:1", () => {
    // Mendel (1866): 315 round-yellow, 108 round-green, 101 wrinkled-yellow, 32 wrinkled-green. A classic
    // textbook example (e.g. Sokal & Rohlf, Biometry): χ² = 0.470, df = 3, p ≈ 0.925. By hand: expected
    // 312.75, 104.25, 104.25, 34.75 → 0.016187 + 0.134892 + 0.101319 + 0.217626 = 0.470024. The p-value
    // from the df=3 closed form erfc(√(x/2)) + √(2x/π)·e^{−x/2} = 0.925426.
    const result = chiSquareGoodnessOfFit(
      { roundYellow: 315, roundGreen: 108, wrinkledYellow: 101, wrinkledGreen: 32 },
      { roundYellow: 9, roundGreen: 3, wrinkledYellow: 3, wrinkledGreen: 1 },
    );
    expect(result.statistic).toBeCloseTo(0.470024, 6);
    expect(result.degreesOfFreedom).toBe(3);
    expect(result.pValue).toBeCloseTo(0.925426, 6);
  });

  it('is certain of a difference when something expected never to occur is observed', () => {
    expect(chiSquareGoodnessOfFit({ a: 5, b: 1 }, { a: 1, b: 0 }).pValue).toBe(0);
  });
});

describe('chiSquareHomogeneity', () => {
  it('tests a 2×2 table as computed by hand', () => {
    // Reference {ham 90, spam 10}, current {ham 70, spam 30}: expected 80/20 in both rows,
    // χ² = 2·(10²/80 + 10²/20) = 12.5, df = 1, p = erfc(√6.25) = erfc(2.5) = 4.069520e-4 (A&S table 7.1).
    const result = chiSquareHomogeneity({ ham: 90, spam: 10 }, { ham: 70, spam: 30 });
    expect(result.statistic).toBeCloseTo(12.5, 12);
    expect(result.degreesOfFreedom).toBe(1);
    expect(result.pValue).toBeCloseTo(4.06952e-4, 9);
  });

  it('uses the union of categories and ignores ones absent from both', () => {
    // {a 10, b 10, c 0} vs {a 10, b 0, c 10}: column totals 20/10/10, rows 20/20, expected 10,5,5 in each
    // row; χ² = (0 + 25/5 + 25/5)·2 = 20, df = 2, p = e^{−10} = 4.539993e-5.
    const result = chiSquareHomogeneity({ a: 10, b: 10, c: 0, unused: 0 }, { a: 10, c: 10 });
    expect(result.statistic).toBeCloseTo(20, 12);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.pValue).toBeCloseTo(Math.exp(-10), 15);
  });

  it('finds nothing to test with one category or an empty side', () => {
    expect(chiSquareHomogeneity({ ham: 5 }, { ham: 9 })).toEqual({
      statistic: 0,
      degreesOfFreedom: 0,
      pValue: 1,
    });
    expect(chiSquareHomogeneity({}, { ham: 9, spam: 1 })).toEqual({
      statistic: 0,
      degreesOfFreedom: 0,
      pValue: 1,
    });
  });
});
