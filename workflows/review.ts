import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReviewActivities } from '../activities/review/contracts.ts';
import type { AuditEvent } from '../core/cycle/cycle-record.ts';
import { decisionAuditEvents, reviewClosedAuditEvent } from '../core/review/review-audit.ts';
import { proceedsAtDeadline } from '../core/review/review-deadline.ts';
import { decisionFromSignal } from '../core/review/review-decision.ts';
import {
  type CheckedDecision,
  type CheckedRetraction,
  ReviewLedger,
  type SettledItems,
} from '../core/review/review-ledger.ts';
import {
  deadlineNotice,
  escalationNotice,
  type ReviewNotice,
  reminderNotice,
} from '../core/review/review-notice.ts';
import {
  decideUpdate,
  decisionLogQuery,
  REVIEW_SIGNALS,
  type ReviewClosedBy,
  type ReviewInput,
  type ReviewQueueView,
  type ReviewResult,
  retractUpdate,
  reviewQueueQuery,
} from './review-messages.ts';

/** Decisions are written to the audit trail in batches of this many (and whatever is left at the end). */
const AUDIT_BATCH = 25;
const RECENT_REFUSALS = 10;

/**
 * The human review of one cycle's pending items. Holds the queue and every reviewer's votes, takes
 * decisions by signal or by the `decide` update, reminds reviewers once and closes when every item is
 * decided or at the deadline; then writes the outcome onto the review items and returns the counts.
 * Nothing a reviewer sends can fail it: a decision that does not count is refused with its reason.
 */
export async function review(input: ReviewInput): Promise<ReviewResult> {
  const reviewId = workflowInfo().workflowId;
  const context = { model: input.model, number: input.number, cycleId: input.cycleId };
  const activities = proxyActivities<ReviewActivities>({
    startToCloseTimeout: input.activities.default.startToClose,
    retry: { ...input.activities.retry, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
  });
  // A notice is worth a few tries, not a review held up for minutes by a broken chat webhook.
  const notifier = proxyActivities<ReviewActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', maximumAttempts: 3 },
  });

  let ledger: ReviewLedger | null = null;
  /** Signals that arrived while the queue was loading, applied as soon as it is. */
  const early: Array<{ decision: unknown; at: number }> = [];
  let closedBy: ReviewClosedBy | null = null;
  let reminded = false;
  let escalated = false;
  let audited = 0;

  const showProgress = () => {
    if (!ledger) return;
    const counts = ledger.counts();
    const deadline = new Date(input.deadlineAt).toISOString();
    setCurrentDetails(
      ledger.closed
        ? `review closed (${closedBy}): ${counts.humanLabels} labelled, ${counts.rejected + counts.dropped} left out, ${counts.open} undecided`
        : `waiting for review: ${counts.open} of ${counts.items} items, deadline ${deadline}` +
            (counts.disputed > 0 ? ` (${counts.disputed} disputed)` : ''),
    );
  };

  // Reviews recorded before settled items refused decisions took them as votes; replaying them must too.
  const settledItems = (): SettledItems => (patched('review-refuses-settled-items') ? 'refuse' : 'accept');

  const receiveSignal = (decision: unknown, at: number) => {
    const entry = ledger!.receive(decision, { at, via: 'signal' }, settledItems());
    if (entry.outcome === 'refused') {
      log.warn('review decision refused', {
        reviewId,
        reviewer: entry.reviewer,
        action: entry.action,
        reason: entry.reason,
      });
    }
    showProgress();
  };
  for (const [action, signal] of REVIEW_SIGNALS) {
    setHandler(signal, (payload: unknown) => {
      const decision = decisionFromSignal(action, payload);
      if (ledger) receiveSignal(decision, Date.now());
      else early.push({ decision, at: Date.now() });
    });
  }

  const checkDecision = (
    decision: unknown,
    onSettled: SettledItems,
  ): Extract<CheckedDecision, { ok: true }> => {
    if (!ledger) throw refusal('the review is still opening; try again in a moment');
    const checked = ledger.check(decision, onSettled);
    if (!checked.ok) throw refusal(checked.reason);
    return checked;
  };
  setHandler(
    decideUpdate,
    (decision) => {
      const checked = checkDecision(decision, settledItems());
      const receipt = ledger!.apply(checked, { at: Date.now(), via: 'update' });
      showProgress();
      return receipt;
    },
    // Validators run only live, never on replay: they may always hold decisions to today's rule.
    { validator: (decision) => void checkDecision(decision, 'refuse') },
  );

  const checkRetraction = (retraction: unknown): Extract<CheckedRetraction, { ok: true }> => {
    if (!ledger) throw refusal('the review is still opening; try again in a moment');
    const checked = ledger.checkRetraction(retraction);
    if (!checked.ok) throw refusal(checked.reason);
    return checked;
  };
  setHandler(
    retractUpdate,
    (retraction) => {
      const receipt = ledger!.retract(checkRetraction(retraction), { at: Date.now(), via: 'update' });
      showProgress();
      return receipt;
    },
    { validator: (retraction) => void checkRetraction(retraction) },
  );

  setHandler(reviewQueueQuery, (): ReviewQueueView => {
    const refused = ledger?.log.filter((entry) => entry.outcome === 'refused') ?? [];
    return {
      reviewId,
      cycleId: input.cycleId,
      model: input.model,
      number: input.number,
      state: !ledger ? 'opening' : ledger.closed ? 'closed' : 'open',
      closedBy,
      remindAt: input.remindAt,
      deadlineAt: input.deadlineAt,
      reminded,
      escalated,
      labels: input.labels,
      quorum: input.review.quorum,
      onDisagreement: input.review.onDisagreement,
      reviewers: input.review.reviewers,
      counts: ledger?.counts() ?? null,
      agreement: ledger?.agreement() ?? null,
      pending: ledger?.pending() ?? [],
      decisions: { accepted: (ledger?.log.length ?? 0) - refused.length, refused: refused.length },
      recentRefusals: refused.slice(-RECENT_REFUSALS),
    };
  });
  setHandler(decisionLogQuery, () => ledger?.log ?? []);

  const flushAudit = async (extra: AuditEvent[] = []) => {
    const entries = ledger?.log.slice(audited) ?? [];
    if (entries.length === 0 && extra.length === 0) return;
    await activities.recordReviewAudit({
      cycleId: input.cycleId,
      events: [...decisionAuditEvents(entries, context), ...extra],
    });
    audited += entries.length;
  };
  const notify = async (
    notice: ReviewNotice,
    webhookUrl: string | null = input.review.webhookUrl,
  ): Promise<boolean> => {
    try {
      await notifier.notifyReviewers({ notice, webhookUrl });
      return true;
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('review notice not delivered', { reviewId, notice: notice.kind, error: String(error) });
      return false;
    }
  };

  try {
    const queue = await activities.loadReviewQueue({ cycleId: input.cycleId });
    const open = new ReviewLedger(queue, {
      labels: input.labels,
      reviewers: input.review.reviewers,
      quorum: input.review.quorum,
      onDisagreement: input.review.onDisagreement,
    });
    ledger = open;
    for (const { decision, at } of early.splice(0)) receiveSignal(decision, at);
    showProgress();

    // Durable timers: the server keeps them, so a worker restart neither loses nor repeats them.
    let reminderDue = false;
    let deadlinePassed = false;
    timerUntil(input.remindAt, () => {
      reminderDue = true;
    });
    timerUntil(input.deadlineAt, () => {
      deadlinePassed = true;
    });
    let reminderHandled = false;
    const auditBacklog = () => open.log.length - audited >= AUDIT_BATCH;
    for (;;) {
      await condition(
        () =>
          open.counts().open === 0 || deadlinePassed || (reminderDue && !reminderHandled) || auditBacklog(),
      );
      if (auditBacklog()) await flushAudit();
      if (reminderDue && !reminderHandled) {
        reminderHandled = true;
        const counts = open.counts();
        if (counts.open > 0) reminded = await notify(reminderNotice(context, counts, input.deadlineAt));
        // Histories recorded before review.escalateTo existed have no escalation; the input of such a
        // review has no escalateTo either, so patched() is only asked when there is one.
        const escalateTo = input.review.escalateTo ?? null;
        const labelsSoFar = { auto: input.autoLabelled, human: counts.humanLabels };
        if (
          escalateTo !== null &&
          counts.open > 0 &&
          !proceedsAtDeadline(labelsSoFar, input.review.minLabelsAtDeadline) &&
          patched('review-escalation')
        ) {
          escalated = await notify(
            escalationNotice(
              context,
              counts,
              labelsSoFar,
              input.review.minLabelsAtDeadline,
              input.deadlineAt,
            ),
            escalateTo,
          );
        }
      }
      if (open.counts().open === 0) {
        closedBy = 'complete';
        break;
      }
      if (deadlinePassed) {
        closedBy = 'deadline';
        break;
      }
    }

    open.close(closedBy === 'complete' ? 'every item is decided' : 'its deadline passed');
    showProgress();
    const counts = open.counts();
    const agreement = open.agreement();
    const labels = { auto: input.autoLabelled, human: counts.humanLabels };
    const proceeds = closedBy === 'complete' || proceedsAtDeadline(labels, input.review.minLabelsAtDeadline);
    await activities.applyReviewOutcome({
      cycleId: input.cycleId,
      at: Date.now(),
      outcomes: open.outcomes(),
    });
    if (closedBy === 'deadline') {
      await notify(deadlineNotice(context, counts, labels, input.review.minLabelsAtDeadline, proceeds));
    }
    await flushAudit([
      reviewClosedAuditEvent(context, { at: Date.now(), closedBy, counts, agreement, proceeds }),
    ]);
    const refused = open.log.filter((entry) => entry.outcome === 'refused').length;
    return {
      reviewId,
      closedBy,
      counts,
      agreement,
      decisions: { accepted: open.log.length - refused, refused },
      reminded,
      escalated,
      proceeds,
      reason: proceeds
        ? null
        : `review closed at its deadline with ${labels.auto + labels.human} label(s) (${labels.auto} auto, ` +
          `${labels.human} from reviewers), fewer than review.minLabelsAtDeadline (${input.review.minLabelsAtDeadline})`,
    };
  } catch (error) {
    // Decisions made before a cancellation still belong in the audit trail.
    if (isCancellation(error)) await CancellationScope.nonCancellable(() => flushAudit());
    throw error;
  }
}

/** Runs `then` when the wall-clock moment comes; a cancelled workflow simply never gets there. */
function timerUntil(at: number, then: () => void): void {
  sleep(Math.max(1, at - Date.now())).then(then, () => undefined);
}

function refusal(reason: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'ReviewDecisionRefused', message: reason, nonRetryable: true });
}
