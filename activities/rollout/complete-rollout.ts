import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { CompleteRolloutInput } from './contracts.ts';
import { moveChampion } from './move-champion.ts';

/** Promotion: the candidate becomes the champion in the registry and in the flags. */
export function completeRolloutActivity(deps: ActivityDeps) {
  return async function completeRollout(input: CompleteRolloutInput): Promise<void> {
    await moveChampion(deps, {
      model: input.model,
      to: input.candidateVersion,
      from: input.championVersion,
      reason: input.reason,
      actor: input.actor,
    });
    await deps.store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'rollout-promoted',
        actor: input.actor,
        details: {
          rolloutId: input.rolloutId,
          championVersion: input.candidateVersion,
          previousVersion: input.championVersion,
          reason: input.reason,
        },
      },
      activityAuditKey(),
    );
  };
}
