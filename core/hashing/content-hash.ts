import { sha256OfText } from './sha256.ts';

/**
 * The id of a piece of content: SHA-256 (hex) of its text exactly as captured, UTF-8 encoded. The same
 * text is the same item everywhere (mined batches, review items, dataset items). SHA-256 rather than a
 * 64-bit hash because ids are compared across datasets that grow cycle after cycle, and collisions
 * there would silently merge two items.
 */
export function contentHash(text: string): string {
  return sha256OfText(text);
}
