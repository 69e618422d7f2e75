import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FNV_OFFSET, fnv1aUtf8 } from './hashing.ts';

function fnvOfBytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

describe('fnv1aUtf8', () => {
  it('is FNV-1a over the UTF-8 bytes (what an external trainer computes)', () => {
    expect(fnv1aUtf8('')).toBe(0x811c9dc5);
    // Published FNV-1a test vector.
    expect(fnv1aUtf8('foobar')).toBe(0xbf9cf968);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(fnv1aUtf8(text)).toBe(fnvOfBytes(new TextEncoder().encode(text)));
      }),
    );
  });

  it('continues a state: hashing "a" then " b" equals hashing "a b"', () => {
    expect(fnv1aUtf8(' b', fnv1aUtf8('a'))).toBe(fnv1aUtf8('a b'));
  });
});
