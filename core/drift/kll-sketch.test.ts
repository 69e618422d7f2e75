import { describe, expect, it } from 'vitest';
import { KllSketch } from './kll-sketch.ts';
import { quantileSketch } from './quantile-sketch.ts';

/** Deterministic pseudo-random numbers in [0, 1). */
function generator(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** The worst normalized rank error of the sketch's quantiles against the exact sorted sample. */
function worstRankError(sketch: KllSketch, sorted: Float64Array): number {
  const qs = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
  const estimates = sketch.quantiles(qs);
  let worst = 0;
  qs.forEach((q, i) => {
    const value = estimates[i]!;
    // The estimate's true rank range (ties give a range): first index ≥ value, first index > value.
    const low = lowerBound(sorted, value);
    const high = upperBound(sorted, value) - 1;
    const wanted = Math.round(q * (sorted.length - 1));
    const error = wanted < low ? low - wanted : wanted > high ? wanted - high : 0;
    worst = Math.max(worst, error / sorted.length);
  });
  return worst;
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const distributions: Record<string, (next: () => number) => number> = {
  uniform: (next) => next(),
  skewed: (next) => next() ** 4,
  // Text lengths: long-tailed integers with many ties.
  lengths: (next) => Math.floor(Math.exp(next() * 9)),
  // Confidences: piled up near 1.
  confidences: (next) => 1 - next() ** 3 / 2,
};

describe('KllSketch', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    it(`keeps every quantile of 200k ${name} values within 2% of its rank (k = 200)`, () => {
      const next = generator(name.length * 7919);
      const sketch = new KllSketch(200);
      const values = new Float64Array(200_000);
      for (let i = 0; i < values.length; i++) {
        values[i] = draw(next);
        sketch.add(values[i]!);
      }
      expect(sketch.count).toBe(200_000);
      expect(worstRankError(sketch, values.sort())).toBeLessThanOrEqual(0.02);
    });
  }

  it('gets more accurate with a larger k', () => {
    const next = generator(5);
    const coarse = new KllSketch(50);
    const fine = new KllSketch(800);
    const values = new Float64Array(100_000);
    for (let i = 0; i < values.length; i++) {
      values[i] = next();
      coarse.add(values[i]!);
      fine.add(values[i]!);
    }
    values.sort();
    expect(worstRankError(fine, values)).toBeLessThanOrEqual(0.005);
    expect(worstRankError(fine, values)).toBeLessThan(worstRankError(coarse, values));
  });

  it('holds a bounded number of values whatever the count: ~3k plus two per level', () => {
    const sketch = new KllSketch(200);
    const next = generator(9);
    let most = 0;
    for (let i = 1; i <= 2_000_000; i++) {
      sketch.add(next());
      most = Math.max(most, sketch.retainedValues);
    }
    const levels = Math.ceil(Math.log2(2_000_000 / 200)) + 2;
    expect(most).toBeLessThanOrEqual(3 * 200 + 2 * levels);
    // Flat in volume: ten times fewer values need about as much room.
    const small = new KllSketch(200);
    for (let i = 0; i < 200_000; i++) small.add(next());
    expect(sketch.retainedValues - small.retainedValues).toBeLessThan(40);
  });

  it('merges: two halves sketched apart answer like the whole', () => {
    const next = generator(13);
    const left = new KllSketch(200);
    const right = new KllSketch(200);
    const values = new Float64Array(150_000);
    for (let i = 0; i < values.length; i++) {
      // The halves come from different distributions: the merge must weigh them by count.
      values[i] = i < 50_000 ? next() : 1 + next() ** 2;
      (i < 50_000 ? left : right).add(values[i]!);
    }
    const rightBefore = right.quantiles([0.5]);
    left.merge(right);
    expect(left.count).toBe(150_000);
    expect(right.quantiles([0.5])).toEqual(rightBefore);
    expect(left.retainedValues).toBeLessThanOrEqual(3 * 200 + 2 * 12);
    expect(worstRankError(left, values.sort())).toBeLessThanOrEqual(0.02);
  });

  it('is exact until it first compacts, and the same input gives the same sketch', () => {
    const small = new KllSketch(200);
    for (const value of [5, 3, 9, 1]) small.add(value);
    expect(small.exact).toBe(true);
    expect(small.quantiles([0, 0.5, 1])).toEqual([1, 5, 9]);
    const twice = () => quantileSketch(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 50_000));
    expect(twice()).toEqual(twice());
    expect(new KllSketch().quantiles([0.5])).toEqual([]);
  });

  it('refuses a k too small to be a sketch', () => {
    expect(() => new KllSketch(2)).toThrow(/at least 8, got 2/);
  });
});

describe('quantileSketch', () => {
  it('keeps a small sample whole and sorted', () => {
    expect(quantileSketch([3, 1, 2])).toEqual([1, 2, 3]);
    expect(quantileSketch([])).toEqual([]);
  });

  it('gives `points` order statistics of a large sample, each within 2% of its rank', () => {
    const next = generator(21);
    const values = Array.from({ length: 300_000 }, () => next() ** 2);
    const sketched = quantileSketch(values, 101);
    expect(sketched).toHaveLength(101);
    const sorted = Float64Array.from(values).sort();
    sketched.forEach((value, q) => {
      const wanted = Math.round((q / 100) * (sorted.length - 1));
      const rank = lowerBound(sorted, value);
      expect(Math.abs(rank - wanted) / sorted.length).toBeLessThanOrEqual(0.02);
    });
    expect(sketched[0]).toBe(sorted[0]);
    expect(sketched[100]).toBe(sorted[sorted.length - 1]);
  });
});
