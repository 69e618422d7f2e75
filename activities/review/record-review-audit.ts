import type { ActivityDeps } from '../deps.ts';
import type { RecordReviewAuditInput } from './contracts.ts';

/**
 * Appends a batch of review audit events. Each is keyed by its cycle and its own key (the decision's
 * sequence number), so those a failed earlier attempt, or an earlier batch, already wrote are skipped.
 */
export function recordReviewAuditActivity({ store }: ActivityDeps) {
  return async function recordReviewAudit(input: RecordReviewAuditInput): Promise<void> {
    for (const event of input.events) {
      await store.audit.append(event, `review/${input.cycleId}/${String(event.details.key)}`);
    }
  };
}
