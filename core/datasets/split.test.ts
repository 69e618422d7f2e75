import { describe, expect, it } from 'vitest';
import { contentHash } from '../hashing/content-hash.ts';
import { splitItems, splitSide } from './split.ts';

const items = Array.from({ length: 4000 }, (_, i) => ({ id: contentHash(`message ${i}`), n: i }));

describe('splitSide', () => {
  it('puts about the asked share on the holdout side', () => {
    const { holdout } = splitItems(items, { seed: 1, holdoutFraction: 0.2 });
    // 4000 draws at p = 0.2: the standard deviation is about 25.
    expect(holdout.length).toBeGreaterThan(800 - 100);
    expect(holdout.length).toBeLessThan(800 + 100);
  });

  it('keeps every item on its side as the dataset grows', () => {
    const rule = { seed: 9, holdoutFraction: 0.25 };
    const before = splitItems(items.slice(0, 1000), rule);
    const after = splitItems(items, rule);
    const holdoutAfter = new Set(after.holdout.map((item) => item.id));
    expect(before.holdout.every((item) => holdoutAfter.has(item.id))).toBe(true);
    expect(before.train.some((item) => holdoutAfter.has(item.id))).toBe(false);
  });

  it('is a function of (seed, id): another seed reshuffles, the same seed does not', () => {
    const sides = (seed: number) => items.map((item) => splitSide(item.id, { seed, holdoutFraction: 0.5 }));
    const three = sides(3);
    const four = sides(4);
    expect(sides(3)).toEqual(three);
    const changed = three.filter((side, i) => side !== four[i]).length;
    expect(changed).toBeGreaterThan(1500);
  });

  it('keeps order within each side and honours the extremes', () => {
    const { train, holdout } = splitItems(items, { seed: 1, holdoutFraction: 0.3 });
    expect(train.map((item) => item.n)).toEqual([...train.map((item) => item.n)].sort((a, b) => a - b));
    expect(holdout.length + train.length).toBe(items.length);
    expect(splitItems(items, { seed: 1, holdoutFraction: 0 }).holdout).toEqual([]);
    expect(splitItems(items, { seed: 1, holdoutFraction: 1 }).train).toEqual([]);
    expect(() => splitSide('x', { seed: 1, holdoutFraction: 1.5 })).toThrow(/within \[0, 1\]/);
  });
});
