import { describe, expect, it } from 'vitest';
import { NearDuplicateIndex, rowsPerBand } from './near-duplicates.ts';
import { jaccard, shingleSet } from './shingles.ts';

describe('shingles', () => {
  it('computes word-shingle Jaccard as counted by hand', () => {
    // 3-shingles: {a b c, b c d, c d e} vs {a b c, b c d, c d f}: 2 shared of 4 distinct = 0.5.
    expect(jaccard(shingleSet('a b c d e', 3), shingleSet('A, b c. d f', 3))).toBe(0.5);
    // Fewer words than the shingle size: one shingle of all words.
    expect(shingleSet('hi there', 3).size).toBe(1);
    expect(jaccard(shingleSet('', 3), shingleSet('', 3))).toBe(0);
  });

  it('picks rows per band so a pair at the threshold shares a band with ≥ 99% chance', () => {
    // 1 − (1 − t^r)^(64/r): t=0.8, r=4: 1 − 0.5904^16 ≈ 0.9998 but r=8: 1 − 0.8322^8 ≈ 0.77.
    expect(rowsPerBand(0.8)).toBe(4);
    // t=0.5, r=2: 1 − 0.75^32 ≈ 0.9999; r=4: 1 − 0.9375^16 ≈ 0.64.
    expect(rowsPerBand(0.5)).toBe(2);
    expect(rowsPerBand(0.95)).toBe(8);
  });
});

describe('NearDuplicateIndex', () => {
  it('applies the threshold exactly', () => {
    const atHalf = new NearDuplicateIndex(0.5, 3);
    expect(atHalf.matchOrAdd('first', 'a b c d e')).toBeNull();
    expect(atHalf.matchOrAdd('second', 'a b c d f')).toEqual({ key: 'first', similarity: 0.5 });
    const above = new NearDuplicateIndex(0.51, 3);
    expect(above.matchOrAdd('first', 'a b c d e')).toBeNull();
    expect(above.matchOrAdd('second', 'a b c d f')).toBeNull();
  });

  it('finds every lightly edited copy among many texts and nothing else', () => {
    // Deterministic corpus: 300 texts of 40 words from a 5,000-word vocabulary, each followed by a copy with
    // one word replaced (Jaccard 35/41 ≈ 0.85 with 3-shingles) — all copies must be found at 0.8.
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    const index = new NearDuplicateIndex(0.8, 3);
    let found = 0;
    for (let t = 0; t < 300; t++) {
      const words = Array.from({ length: 40 }, () => `w${next() % 5_000}`);
      expect(index.matchOrAdd(`orig${t}`, words.join(' '))).toBeNull();
      const edited = words.map((w, i) => (i === 10 + (t % 20) ? 'edited' : w)).join(' ');
      const match = index.matchOrAdd(`copy${t}`, edited);
      if (match?.key === `orig${t}`) found++;
    }
    expect(found).toBe(300);
  });
});
