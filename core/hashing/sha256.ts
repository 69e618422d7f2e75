import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 for core's content ids, dataset splits and canary buckets, by @noble/hashes (audited, pure
 * JavaScript): core hashes inside pure functions, so it takes no Node built-in; edges that only hash
 * bytes (artifact storage, the gateway) use node:crypto. The digests are the same either way.
 */

/** The SHA-256 digest of bytes, as 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** SHA-256 of a string's UTF-8 bytes. */
export function sha256OfText(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
