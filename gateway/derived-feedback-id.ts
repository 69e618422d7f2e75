import { createHash } from 'node:crypto';
import type { FeedbackKind } from '../core/capture/records.ts';

/**
 * The id of feedback sent without a `feedbackId`: the same user saying the same thing about the same
 * prediction gets the same id, so a retried request counts once; a different user, or a different
 * verdict, is a different piece of feedback. The prefix keeps these apart from ids clients choose.
 */
export function derivedFeedbackId(
  predictionId: string,
  userKey: string | null,
  kind: FeedbackKind,
  label: string | null,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([predictionId, userKey, kind, label]))
    .digest('hex');
  return `derived:${digest}`;
}
