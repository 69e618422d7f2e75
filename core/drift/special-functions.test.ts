import { describe, expect, it } from 'vitest';
import { kolmogorovSurvival, lnGamma, regularizedGammaP, regularizedGammaQ } from './special-functions.ts';

describe('lnGamma', () => {
  it('matches exact values', () => {
    // Γ(5) = 4! = 24; Γ(1/2) = √π, ln √π = 0.5723649429247001 (Abramowitz & Stegun 6.1.8).
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    // Γ(0.1) = 9.513507698668732 (A&S table 6.1, via Γ(1.1) = 0.9513507699 and Γ(x+1) = xΓ(x)).
    expect(lnGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 9);
    // ln Γ(101) = ln 100! = 363.73937555556347 (Stirling series, A&S 6.1.41, to 1e-12).
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
});

describe('regularized incomplete gamma', () => {
  it('matches closed forms for integer a (Poisson tail: Q(n, x) = e^{−x} Σ_{k<n} x^k / k!)', () => {
    // Q(1, x) = e^{−x}.
    expect(regularizedGammaQ(1, 0.7)).toBeCloseTo(Math.exp(-0.7), 14);
    // Q(3, 2) = e^{−2}(1 + 2 + 2) = 5e^{−2} = 0.6766764161830635 (series region, x < a + 1).
    expect(regularizedGammaQ(3, 2)).toBeCloseTo(0.6766764161830635, 13);
    expect(regularizedGammaP(3, 2)).toBeCloseTo(1 - 0.6766764161830635, 13);
    // Q(3, 10) = e^{−10}(1 + 10 + 50) = 61e^{−10} = 0.0027693957155115762 (continued-fraction region).
    expect(regularizedGammaQ(3, 10)).toBeCloseTo(0.0027693957155115762, 15);
    expect(regularizedGammaP(3, 10) + regularizedGammaQ(3, 10)).toBeCloseTo(1, 14);
  });

  it('matches the half-integer closed form Q(1/2, x) = erfc(√x)', () => {
    // erfc(1) = 0.157299207050285 (A&S table 7.1).
    expect(regularizedGammaQ(0.5, 1)).toBeCloseTo(0.157299207050285, 12);
  });

  it('is 0 and 1 at the ends and refuses invalid arguments', () => {
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(() => regularizedGammaQ(0, 1)).toThrow(RangeError);
    expect(() => regularizedGammaQ(1, -1)).toThrow(RangeError);
  });
});

describe('kolmogorovSurvival', () => {
  it('matches Smirnov’s table of the limiting distribution K(λ) = 1 − Q(λ)', () => {
    // N. Smirnov (1948), "Table for estimating the goodness of fit of empirical distributions", Ann. Math.
    // Statist. 19(2): K(0.5) = 0.0361, K(1.0) = 0.7300, K(1.5) = 0.9778, K(2.0) = 0.9993.
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(1 - 0.0361, 4);
    expect(kolmogorovSurvival(1.0)).toBeCloseTo(1 - 0.73, 4);
    expect(kolmogorovSurvival(1.5)).toBeCloseTo(1 - 0.9778, 4);
    expect(kolmogorovSurvival(2.0)).toBeCloseTo(1 - 0.9993, 4);
  });

  it('gives the textbook asymptotic critical values c(α): 1.224 → 0.10, 1.358 → 0.05, 1.628 → 0.01', () => {
    // c(α) from e.g. Massey (1951), JASA 46:68–78, and the KS article of any statistics handbook.
    expect(kolmogorovSurvival(1.224)).toBeCloseTo(0.1, 3);
    expect(kolmogorovSurvival(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovSurvival(1.628)).toBeCloseTo(0.01, 3);
  });

  it('joins its two series smoothly and stays a probability', () => {
    // A step of 1e-9 in λ moves Q by about 6e-10 there (its slope is about −0.6).
    expect(kolmogorovSurvival(1.18 - 1e-9)).toBeCloseTo(kolmogorovSurvival(1.18), 8);
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(0.1)).toBe(1);
    expect(kolmogorovSurvival(10)).toBeLessThan(1e-80);
  });
});
