/**
 * The special functions the drift tests need, written out because core may not depend on a numerics
 * library. Accuracy is about 1e-12 relative, far beyond what a p-value decision needs.
 */

// Lanczos approximation, g = 7, nine coefficients: |error| < 1e-15 for Re(x) > 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x <= 0) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  // Reflection Γ(x)Γ(1−x) = π / sin(πx) keeps the approximation where it is accurate.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const MAX_ITERATIONS = 10_000;
const RELATIVE_EPSILON = 1e-15;
const TINY = 1e-300;

/**
 * Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0. Uses the power series
 * where it converges fast (x < a + 1) and the complement of the continued fraction for Q elsewhere.
 */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly to keep small tails exact. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

function checkGammaArguments(a: number, x: number): void {
  if (!(a > 0)) throw new RangeError(`incomplete gamma needs a > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`incomplete gamma needs x ≥ 0, got ${x}`);
}

/** P(a, x) = e^{−x} x^a / Γ(a+1) · Σ_{n≥0} x^n / ((a+1)(a+2)…(a+n)). */
function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * RELATIVE_EPSILON) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

/**
 * Q(a, x) = e^{−x} x^a / Γ(a) · 1 / (x + 1 − a − 1·(1−a) / (x + 3 − a − 2·(2−a) / (x + 5 − a − …))),
 * evaluated with the modified Lentz method.
 */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < RELATIVE_EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * fraction;
}

/**
 * Survival function of the Kolmogorov distribution, Q(λ) = P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}.
 * That alternating series converges slowly for small λ, where the equivalent (Jacobi theta) form
 * 1 − (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)} converges in a few terms.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const w = -(Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j <= 20; j++) {
      const term = Math.exp((2 * j - 1) ** 2 * w);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return clampProbability(1 - (Math.sqrt(2 * Math.PI) / lambda) * sum);
  }
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += j % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return clampProbability(2 * sum);
}

function clampProbability(p: number): number {
  return Math.min(1, Math.max(0, p));
}
