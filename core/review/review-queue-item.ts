import { contentIdOf } from './batch-items.ts';
import type { ReviewItem } from './review-item.ts';

/** Longest text excerpt a review queue carries: enough to decide most items, small enough for a workflow. */
export const EXCERPT_LENGTH = 200;

/** Shortest prefix of a content hash a reviewer may use to name an item. */
export const MIN_REF_LENGTH = 6;
/** Length of the refs a queue shows; longer when needed to tell two items apart. */
const SHOWN_REF_LENGTH = 8;

/** What a reviewer sees of a pending item: the review workflow holds these, never whole texts. */
export interface ReviewQueueItem {
  id: string;
  excerpt: string;
  proposedLabel: string;
  reason: string;
  confidence: number | null;
}

export function queueItemOf(item: ReviewItem): ReviewQueueItem {
  return {
    id: item.id,
    excerpt: excerptOf(item.text),
    proposedLabel: item.proposedLabel,
    reason: item.reason,
    confidence: item.confidence,
  };
}

/** Whitespace collapsed, cut to EXCERPT_LENGTH characters (code points) with an ellipsis when cut. */
export function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= EXCERPT_LENGTH ? flat : `${chars.slice(0, EXCERPT_LENGTH - 1).join('')}…`;
}

/**
 * Short refs for items: the shortest prefix of each content hash, at least SHOWN_REF_LENGTH long, that
 * no other item of the queue shares (one character past the longest prefix it shares with a neighbour
 * in sorted order). Deterministic for one set of ids.
 */
export function shortRefs(ids: readonly string[]): Map<string, string> {
  const sorted = ids.map((id) => ({ id, hash: contentIdOf(id) })).sort((a, b) => compare(a.hash, b.hash));
  const refs = new Map<string, string>();
  sorted.forEach(({ id, hash }, index) => {
    const shared = Math.max(
      commonPrefix(hash, sorted[index - 1]?.hash ?? ''),
      commonPrefix(hash, sorted[index + 1]?.hash ?? ''),
    );
    refs.set(id, hash.slice(0, Math.max(SHOWN_REF_LENGTH, shared + 1)));
  });
  return refs;
}

function commonPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length += 1;
  return length;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type RefResolution = { ok: true; id: string } | { ok: false; reason: string };

/** Finds the item a reviewer means: a full review id, a content hash, or a unique hash prefix. */
export function resolveItemRef(ref: string, ids: readonly string[]): RefResolution {
  const wanted = ref.trim().toLowerCase();
  const exact = ids.find((id) => id === ref || contentIdOf(id) === wanted);
  if (exact) return { ok: true, id: exact };
  if (wanted.length < MIN_REF_LENGTH) {
    return {
      ok: false,
      reason: `item "${clip(ref)}" is not in this review (name an item by at least ${MIN_REF_LENGTH} characters of its ref)`,
    };
  }
  const matches = ids.filter((id) => contentIdOf(id).startsWith(wanted));
  if (matches.length === 1) return { ok: true, id: matches[0]! };
  if (matches.length === 0) return { ok: false, reason: `item "${clip(ref)}" is not in this review` };
  return { ok: false, reason: `item "${clip(ref)}" matches ${matches.length} items; give more characters` };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
