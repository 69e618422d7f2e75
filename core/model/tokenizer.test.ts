import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES } from './feature-config.ts';
import { createTokenReader, createTokenScanner, tokenBuffers, tokenHash, tokenize } from './tokenizer.ts';

function regexTokens(text: string, pattern: string): string[] {
  return [...text.matchAll(new RegExp(pattern, 'gu'))].map((match) => match[0]);
}

function scannedTokens(text: string, pattern: string): { tokens: string[]; hashes: number[] } {
  const out = tokenBuffers(100);
  const count = createTokenReader({ ...DEFAULT_FEATURES, tokenPattern: pattern })(text, out);
  const tokens = Array.from({ length: count }, (_, i) => text.slice(out.starts[i], out.ends[i]));
  return { tokens, hashes: Array.from(out.hashes.subarray(0, count)) };
}

// Characters that stress the scanner: ASCII, accented and non-Latin letters, digits of other
// scripts, astral letters and symbols, lone surrogates, the fast path's symbols.
const tricky = fc.constantFrom(
  ...[
    'a',
    'Z',
    '7',
    ' ',
    '$',
    '!',
    '-',
    "'",
    'é',
    'ß',
    'İ',
    'ж',
    '中',
    '٣',
    '𝒜',
    '😀',
    '\ud800',
    '\udc00',
    '\n',
    '_',
  ],
);
const trickyText = fc.array(tricky, { maxLength: 30 }).map((chars) => chars.join(''));

describe('token scanner', () => {
  it('agrees with the regular expression on the default pattern, hashes included', () => {
    fc.assert(
      fc.property(fc.oneof(trickyText, fc.string({ unit: 'binary', maxLength: 30 })), (text) => {
        const { tokens, hashes } = scannedTokens(text, DEFAULT_FEATURES.tokenPattern);
        expect(tokens).toEqual(regexTokens(text, DEFAULT_FEATURES.tokenPattern));
        expect(hashes).toEqual(tokens.map(tokenHash));
      }),
      { numRuns: 500 },
    );
  });

  it('takes the regular expression path for any other pattern', () => {
    const pattern = "[a-z]+(?:'[a-z]+)?";
    fc.assert(
      fc.property(trickyText, (text) => {
        expect(scannedTokens(text, pattern).tokens).toEqual(regexTokens(text, pattern));
      }),
    );
  });

  it('hands tokens to a callback until it returns false or maxTokens is reached', () => {
    const seen: string[] = [];
    const text = 'one two three four five';
    createTokenScanner({ ...DEFAULT_FEATURES, maxTokens: 4 })(text, (hash, start, end) => {
      expect(hash).toBe(tokenHash(text.slice(start, end)));
      seen.push(text.slice(start, end));
      return true;
    });
    expect(seen).toEqual(['one', 'two', 'three', 'four']);
    let calls = 0;
    createTokenScanner(DEFAULT_FEATURES)(text, () => ++calls < 2);
    expect(calls).toBe(2);
  });

  it('lower-cases and stops at maxTokens', () => {
    expect(tokenize('FREE money!!! Call $$ now', DEFAULT_FEATURES)).toEqual([
      'free',
      'money',
      '!',
      '!',
      '!',
      'call',
      '$',
      '$',
      'now',
    ]);
    expect(tokenize('one two three four', { ...DEFAULT_FEATURES, maxTokens: 2 })).toEqual(['one', 'two']);
    expect(tokenize('Keep Case', { ...DEFAULT_FEATURES, lowercase: false })).toEqual(['Keep', 'Case']);
  });
});
