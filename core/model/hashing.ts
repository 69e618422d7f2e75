/**
 * Feature hashing: FNV-1a over the UTF-8 bytes of a token, then the murmur3 finaliser so that the low
 * bits (the ones a power-of-two dimension keeps) are well mixed. Chosen because it is a dozen lines in any
 * language: an external trainer (see examples/trainers/) can compute the very same feature indices.
 */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Continues an FNV-1a state over the UTF-8 encoding of `text`, without allocating the bytes. */
export function fnv1aUtf8(text: string, state: number = FNV_OFFSET): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      h = Math.imul(h ^ code, FNV_PRIME);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // A lone surrogate is encoded as U+FFFD, as TextEncoder and Python's "replace" both do.
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x800) {
      h = Math.imul(h ^ (0xc0 | (code >> 6)), FNV_PRIME);
    } else if (code < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (code >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((code >> 6) & 63)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (code >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((code >> 12) & 63)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((code >> 6) & 63)), FNV_PRIME);
    }
    h = Math.imul(h ^ (0x80 | (code & 63)), FNV_PRIME);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a whole string (fingerprints of training runs). */
export function hashString(text: string, state: number = FNV_OFFSET): number {
  return fmix32(fnv1aUtf8(text, state));
}
