import type { ActivityDeps } from '../deps.ts';
import { applyReviewOutcomeActivity } from './apply-review-outcome.ts';
import type { ReviewActivities } from './contracts.ts';
import { loadReviewQueueActivity } from './load-review-queue.ts';
import { notifyReviewersActivity } from './notify-reviewers.ts';
import { recordReviewAuditActivity } from './record-review-audit.ts';

/** The review workflow's activities, bound to their dependencies. */
export function createReviewActivities(deps: ActivityDeps): ReviewActivities {
  return {
    loadReviewQueue: loadReviewQueueActivity(deps),
    applyReviewOutcome: applyReviewOutcomeActivity(deps),
    recordReviewAudit: recordReviewAuditActivity(deps),
    notifyReviewers: notifyReviewersActivity(deps),
  };
}
