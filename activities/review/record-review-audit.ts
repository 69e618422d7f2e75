import type { ActivityDeps } from '../deps.ts';
import type { RecordReviewAuditInput } from './contracts.ts';

/** Appends a batch of review audit events, skipping those a failed earlier attempt already wrote. */
export function recordReviewAuditActivity({ store }: ActivityDeps) {
  return async function recordReviewAudit(input: RecordReviewAuditInput): Promise<void> {
    if (input.events.length === 0) return;
    const written = new Set(
      (await store.audit.list({ cycleId: input.cycleId })).map((event) => event.details.key),
    );
    for (const event of input.events) {
      if (!written.has(event.details.key)) await store.audit.append(event);
    }
  };
}
