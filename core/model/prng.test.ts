import { describe, expect, it } from 'vitest';
import { epochOrder, mulberry32 } from './prng.ts';

describe('mulberry32', () => {
  it('is reproducible from its seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(draws[0]);
  });
});

describe('epochOrder', () => {
  it('is a permutation that depends on seed and epoch only', () => {
    const order = epochOrder(500, 7, 3);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(epochOrder(500, 7, 3)).toEqual(order);
    expect(epochOrder(500, 7, 4)).not.toEqual(order);
    expect(epochOrder(500, 8, 3)).not.toEqual(order);
  });
});
