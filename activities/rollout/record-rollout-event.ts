import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { RecordRolloutEventInput } from './contracts.ts';

/** One line of the audit trail for what the workflow decided or was told (controls, verdict actions). */
export function recordRolloutEventActivity({ store }: ActivityDeps) {
  return async function recordRolloutEvent(input: RecordRolloutEventInput): Promise<void> {
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: input.kind,
        actor: input.actor,
        details: { rolloutId: input.rolloutId, ...input.details },
      },
      activityAuditKey(),
    );
  };
}
