import { fnv1a32, mix32 } from '../hashing/fnv1a.ts';
import type { FeatureConfig } from './feature-config.ts';

/**
 * Where a scan writes its tokens: the slot hash of token i and its [start, end) in the text. A scan
 * stops when the buffers are full, which is how `maxTokens` applies. Buffers rather than a callback per
 * token: the featuriser's loop then runs on local variables, and a scan allocates nothing.
 */
export interface TokenBuffers {
  hashes: Uint32Array;
  starts: Uint32Array;
  ends: Uint32Array;
}

/** Reads a text (already lower-cased when the config says so) into the buffers; returns the token count. */
export type TokenReader = (text: string, out: TokenBuffers) => number;

/** Receives each token's slot hash and its [start, end) in the text; returning false stops the scan. */
export type TokenSink = (hash: number, start: number, end: number) => boolean;

/**
 * Hands each of a text's first `maxTokens` tokens to a callback (core/monitor's vocabulary meter uses
 * this); the featuriser uses the reader directly.
 */
export type TokenScanner = (text: string, sink: TokenSink) => void;

export function tokenBuffers(capacity: number): TokenBuffers {
  return {
    hashes: new Uint32Array(capacity),
    starts: new Uint32Array(capacity),
    ends: new Uint32Array(capacity),
  };
}

/**
 * The slot hash of a token: FNV-1a over its UTF-8 bytes, then murmur3's finaliser so that the low bits
 * (the ones a power-of-two dimension keeps) are well mixed. A dozen lines in any language: an external
 * trainer (examples/trainers/) computes the very same slots.
 */
export function tokenHash(token: string): number {
  return mix32(fnv1a32(token));
}

/**
 * Patterns of the shape `[\p{L}\p{N}]+` or `[\p{L}\p{N}]+|[<ASCII symbols>]` — the default is one —
 * run through a hand-written scanner that hashes while it reads: on this project's 2-core reference
 * machine it featurises about five times faster than the regular expression engine plus substring
 * hashing. Any other pattern uses the regular expression. tokenizer.test.ts checks both agree.
 */
const WORD_RUNS = /^\[\\p\{L\}\\p\{N\}\]\+(?:\|\[([!-/:-@[\]-`{-~]+)\])?$/;

export function createTokenScanner(config: FeatureConfig): TokenScanner {
  const read = createTokenReader(config);
  const out = tokenBuffers(config.maxTokens);
  return (text, sink) => {
    const count = read(text, out);
    for (let i = 0; i < count; i++) if (!sink(out.hashes[i]!, out.starts[i]!, out.ends[i]!)) return;
  };
}

export function createTokenReader(config: FeatureConfig): TokenReader {
  const shape = WORD_RUNS.exec(config.tokenPattern);
  const symbols = shape ? symbolTable(shape[1] ?? '') : null;
  return symbols ? (text, out) => scanWordRuns(text, symbols, out) : regexScanner(config.tokenPattern);
}

/** The tokens of a text as strings, for inspection and tests; featurisers use the scanner directly. */
export function tokenize(text: string, config: FeatureConfig): string[] {
  const source = config.lowercase ? text.toLowerCase() : text;
  const out = tokenBuffers(config.maxTokens);
  const count = createTokenReader(config)(source, out);
  return Array.from({ length: count }, (_, i) => source.slice(out.starts[i], out.ends[i]));
}

function symbolTable(symbols: string): Uint8Array | null {
  const table = new Uint8Array(128);
  for (const symbol of symbols) {
    // These change a character class's meaning: leave such patterns to the regular expression engine.
    if ('\\^-[]'.includes(symbol)) return null;
    table[symbol.charCodeAt(0)] = 1;
  }
  return table;
}

function regexScanner(source: string): TokenReader {
  const pattern = new RegExp(source, 'gu');
  const cache = new Map<string, number>();
  return (text, out) => {
    if (cache.size > 200_000) cache.clear();
    pattern.lastIndex = 0;
    let count = 0;
    for (
      let match = pattern.exec(text);
      match !== null && count < out.hashes.length;
      match = pattern.exec(text)
    ) {
      const token = match[0];
      let hash = cache.get(token);
      if (hash === undefined) {
        hash = tokenHash(token);
        cache.set(token, hash);
      }
      out.hashes[count] = hash;
      out.starts[count] = match.index;
      out.ends[count] = match.index + token.length;
      count++;
    }
    return count;
  };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** Whether a BMP code unit is a letter or digit: 0 not yet known, 1 yes, 2 no. Filled on demand. */
const bmpWordChars = new Uint8Array(0x10000);

function isWordCodePoint(code: number): boolean {
  if (code < 0x80)
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
  if (code < 0x10000) {
    let known = bmpWordChars[code]!;
    if (known === 0) {
      known = code >= 0xd800 && code <= 0xdfff ? 2 : WORD_CHAR.test(String.fromCharCode(code)) ? 1 : 2;
      bmpWordChars[code] = known;
    }
    return known === 1;
  }
  return WORD_CHAR.test(String.fromCodePoint(code));
}

/** The code point at `i`; a lone surrogate stands for itself, as in a `u` regular expression. */
function codePointAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
  }
  return code;
}

/** ASCII letters and digits; every other code unit below 0x80 ends a word. */
const ASCII_WORD = new Uint8Array(128);
for (let code = 0; code < 128; code++) ASCII_WORD[code] = isWordCodePoint(code) ? 1 : 0;

function scanWordRuns(text: string, symbols: Uint8Array, out: TokenBuffers): number {
  const { hashes, starts, ends } = out;
  const capacity = hashes.length;
  const length = text.length;
  let count = 0;
  let i = 0;
  while (i < length && count < capacity) {
    const unit = text.charCodeAt(i);
    // Mail is mostly ASCII: a table lookup decides, the general path only runs for other characters.
    const code = unit < 0x80 ? unit : codePointAt(text, i);
    if (unit < 0x80 ? ASCII_WORD[unit] === 0 : !isWordCodePoint(code)) {
      if (unit < 0x80 && symbols[unit] === 1) {
        hashes[count] = mix32(Math.imul(FNV_OFFSET ^ unit, FNV_PRIME));
        starts[count] = i;
        ends[count++] = i + 1;
      }
      i += code >= 0x10000 ? 2 : 1;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    let c = code;
    for (;;) {
      // FNV-1a over the UTF-8 bytes of the code point: tokenHash, inlined, without the substring.
      if (c < 0x80) {
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      } else {
        if (c < 0x800) {
          h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
        } else if (c < 0x10000) {
          h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), FNV_PRIME);
        } else {
          h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((c >> 12) & 63)), FNV_PRIME);
          h = Math.imul(h ^ (0x80 | ((c >> 6) & 63)), FNV_PRIME);
        }
        h = Math.imul(h ^ (0x80 | (c & 63)), FNV_PRIME);
        i += c >= 0x10000 ? 2 : 1;
      }
      if (i >= length) break;
      const next = text.charCodeAt(i);
      if (next < 0x80) {
        if (ASCII_WORD[next] === 0) break;
        c = next;
      } else {
        c = codePointAt(text, i);
        if (!isWordCodePoint(c)) break;
      }
    }
    hashes[count] = mix32(h >>> 0);
    starts[count] = start;
    ends[count++] = i;
  }
  return count;
}
