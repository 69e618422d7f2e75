import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentItemId, sha256Hex } from './content-hash.ts';

describe('sha256Hex', () => {
  it('matches node:crypto on any text and on the padding edge lengths', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
    );
    for (const length of [0, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31) & 255);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('gives the published digest of "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('contentItemId', () => {
  it('is the same for the same text and differs for any change', () => {
    expect(contentItemId('Win money now')).toBe(contentItemId('Win money now'));
    expect(contentItemId('Win money now')).not.toBe(contentItemId('Win money now!'));
    expect(contentItemId('x')).toMatch(/^[0-9a-f]{64}$/);
  });
});
