import { Buffer } from 'node:buffer';

/**
 * Base64 for binary weight blocks, through Node's Buffer. Core may use it here because no workflow
 * reaches core/model (artifacts are read and written by activities, the gateway and the CLI); were one
 * to, the workflow bundler would refuse the `node:buffer` import outright rather than misbehave.
 */

/** One character scan, no backtracking: a whole-string pattern overflows the regex stack on megabytes. */
const NOT_BASE64 = /[^A-Za-z0-9+/]/;
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes canonical padded base64; anything else throws, so a damaged artifact cannot load silently
 * (Buffer alone would skip characters it does not know).
 */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`base64 length ${text.length} is not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const at = text.slice(0, text.length - padding).search(NOT_BASE64);
  if (at >= 0) throw new Error(`invalid base64 character at offset ${at}`);
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Little-endian on every host, so artifacts move between machines unchanged. */
export function float32ToBase64(values: Float32Array): string {
  return encodeBase64(littleEndianBytes(values));
}

export function base64ToFloat32(text: string): Float32Array {
  return new Float32Array(wordsFrom(decodeBase64(text), 'float32'));
}

export function uint32ToBase64(values: Uint32Array): string {
  return encodeBase64(littleEndianBytes(values));
}

export function base64ToUint32(text: string): Uint32Array {
  return new Uint32Array(wordsFrom(decodeBase64(text), 'uint32'));
}

function littleEndianBytes(values: Float32Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return LITTLE_ENDIAN_HOST ? bytes : swapWords(bytes);
}

/** A 4-byte-aligned copy of little-endian words in host order, ready to view as 32-bit values. */
function wordsFrom(bytes: Uint8Array, kind: string): ArrayBuffer {
  if (bytes.length % 4 !== 0)
    throw new Error(`${kind} block of ${bytes.length} bytes is not a multiple of 4`);
  const copy = LITTLE_ENDIAN_HOST ? bytes.slice() : swapWords(bytes);
  return copy.buffer as ArrayBuffer;
}

function swapWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}
