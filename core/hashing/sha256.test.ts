import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.ts';
import { sha256Hex, sha256OfText } from './sha256.ts';
import { utf8Bytes } from './utf8.ts';

describe('sha256', () => {
  // Test vectors from FIPS 180-4's published examples (NIST CSRC "SHA256.pdf") and the empty string.
  it('matches the published test vectors', () => {
    expect(sha256OfText('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256OfText('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256OfText('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256OfText('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with node:crypto on arbitrary text and bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(sha256OfText(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
    );
  });

  it('encodes UTF-8 like the platform, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        expect(Array.from(utf8Bytes(text))).toEqual(Array.from(new TextEncoder().encode(text)));
      }),
    );
    expect(Array.from(utf8Bytes('\ud800x'))).toEqual([0xef, 0xbf, 0xbd, 0x78]);
    expect(sha256OfText('\ud800x')).toBe(createHash('sha256').update('\ud800x', 'utf8').digest('hex'));
  });

  it('gives content ids that are the hash of the exact text', () => {
    expect(contentHash('Win a FREE prize')).not.toBe(contentHash('win a free prize'));
    expect(contentHash('hello')).toBe(sha256OfText('hello'));
  });
});
