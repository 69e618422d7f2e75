import type { AuditEvent } from '../cycle/cycle-record.ts';
import type { Agreement, DecisionLogEntry, ReviewCounts } from './review-ledger.ts';

/**
 * Review decisions as audit events. `details.key` is unique within the cycle, so the activity that
 * writes a batch can skip what an earlier attempt wrote.
 */
export function decisionAuditEvents(
  entries: readonly DecisionLogEntry[],
  review: { model: string; cycleId: string },
): AuditEvent[] {
  return entries.map((entry) => ({
    at: entry.at,
    model: review.model,
    cycleId: review.cycleId,
    kind: entry.outcome === 'accepted' ? 'review-decision' : 'review-decision-refused',
    actor: entry.reviewer ?? 'unknown',
    details: { key: `review-decision-${entry.seq}`, ...entry },
  }));
}

export function reviewClosedAuditEvent(
  review: { model: string; cycleId: string },
  closed: { at: number; closedBy: string; counts: ReviewCounts; agreement: Agreement; proceeds: boolean },
): AuditEvent {
  return {
    at: closed.at,
    model: review.model,
    cycleId: review.cycleId,
    kind: 'review-closed',
    actor: 'flywheel',
    details: {
      key: 'review-closed',
      closedBy: closed.closedBy,
      counts: closed.counts,
      agreement: closed.agreement,
      proceeds: closed.proceeds,
    },
  };
}
