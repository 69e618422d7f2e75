import { describe, expect, it } from 'vitest';
import { fnv1a32, mix32 } from './fnv1a.ts';

describe('fnv1a32', () => {
  // Vectors from the FNV reference test suite (Fowler/Noll/Vo, isthe.com/chongo/tech/comp/fnv, test_fnv.c).
  it('matches the reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('mix32', () => {
  it('is a bijection on a sample (no collisions among 100k consecutive inputs)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(mix32(i));
    expect(seen.size).toBe(100_000);
    expect(mix32(0)).toBe(0);
  });
});
