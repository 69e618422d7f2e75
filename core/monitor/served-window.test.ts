import { describe, expect, it } from 'vitest';
import { quantileSketch } from '../drift/quantile-sketch.ts';
import { evenPositions, sketchRanks } from './served-window.ts';

describe('sketchRanks', () => {
  const sortedSample = (count: number) => Array.from({ length: count }, (_, i) => (i * 7919) % 1009);

  it('reads what quantileSketch keeps while its sketch is exact, whole samples and past the point count', () => {
    for (const count of [0, 1, 2, 57, 200, 201, 202]) {
      const values = sortedSample(count);
      const sorted = [...values].sort((a, b) => a - b);
      expect(
        sketchRanks(count).map((rank) => sorted[rank]),
        `count ${count}`,
      ).toEqual(quantileSketch(values));
    }
  });

  it('keeps the ends and `points` ranks in order for a large sample', () => {
    const ranks = sketchRanks(1_000_000, 5);
    expect(ranks).toEqual([0, 250_000, 500_000, 749_999, 999_999]);
  });
});

describe('evenPositions', () => {
  it('takes every position of a small window and evenly spaced ones of a large one', () => {
    expect(evenPositions(3, 5)).toEqual([0, 1, 2]);
    expect(evenPositions(10, 4)).toEqual([0, 2, 5, 7]);
  });
});
