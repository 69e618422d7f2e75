import type { AuditEvent } from '../../core/cycle/cycle-record.ts';
import type { ItemOutcome } from '../../core/review/review-ledger.ts';
import type { ReviewNotice } from '../../core/review/review-notice.ts';
import type { ReviewQueueItem } from '../../core/review/review-queue-item.ts';

/** What the review workflow asks of its activities: small inputs (ids, excerpts, outcomes), never whole texts. */

export interface LoadReviewQueueInput {
  cycleId: string;
}

export interface ApplyReviewOutcomeInput {
  cycleId: string;
  at: number;
  outcomes: ItemOutcome[];
}
export interface ApplyReviewOutcomeResult {
  /** Items whose status changed now (0 when a retry finds them recorded already). */
  updated: number;
}

export interface RecordReviewAuditInput {
  cycleId: string;
  /** Each carries `details.key`, unique within the cycle, so a retried batch is not written twice. */
  events: AuditEvent[];
}

export interface NotifyReviewersInput {
  notice: ReviewNotice;
  /** The cycle config's review.webhookUrl; null uses the worker's notifier. */
  webhookUrl: string | null;
}

export interface ReviewActivities {
  /** The cycle's items still pending review, as queue items (excerpts, not texts). */
  loadReviewQueue(input: LoadReviewQueueInput): Promise<ReviewQueueItem[]>;
  /** Records what reviewers decided on the review items: status, final label, deciders. */
  applyReviewOutcome(input: ApplyReviewOutcomeInput): Promise<ApplyReviewOutcomeResult>;
  recordReviewAudit(input: RecordReviewAuditInput): Promise<void>;
  notifyReviewers(input: NotifyReviewersInput): Promise<void>;
}
