import type { ReviewNotice } from '../../core/review/review-notice.ts';

/** Tells reviewers something (a reminder, a deadline). Implementations: webhook, log. */
export interface ReviewNotifier {
  readonly kind: string;
  /** Resolves once delivered; rejects when delivery failed (the activity retries). */
  notify(notice: ReviewNotice): Promise<void>;
}
