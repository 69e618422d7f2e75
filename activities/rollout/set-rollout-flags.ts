import { CHAMPION_ONLY } from '../../core/rollout/rollout-state.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { RestoreChampionInput, SetRolloutFlagsInput, SetRolloutFlagsResult } from './contracts.ts';

/**
 * Writes a model's flags. Writing the state the flags already have changes nothing, so a retried
 * attempt is harmless; only a change is audited, so a retry does not repeat the audit line.
 */
export function setRolloutFlagsActivity({ store, flags }: ActivityDeps) {
  return async function setRolloutFlags(input: SetRolloutFlagsInput): Promise<SetRolloutFlagsResult> {
    const { changed } = await flags.write(input.model, input.state);
    if (changed) {
      await store.audit.append(
        {
          at: Date.now(),
          model: input.model,
          cycleId: input.cycleId,
          kind: 'rollout-flags',
          actor: input.actor,
          details: {
            rolloutId: input.rolloutId,
            reason: input.reason,
            state: input.state,
            flags: flags.kind,
          },
        },
        activityAuditKey(),
      );
    }
    return { changed };
  };
}

/** The compensation: the champion the rollout started from serves alone again. */
export function restoreChampionActivity({ store, flags }: ActivityDeps) {
  return async function restoreChampion(input: RestoreChampionInput): Promise<void> {
    const { changed } = await flags.write(input.model, CHAMPION_ONLY(input.championVersion));
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'rollout-rolled-back',
        actor: input.actor,
        details: {
          rolloutId: input.rolloutId,
          championVersion: input.championVersion,
          candidateVersion: input.candidateVersion,
          reason: input.reason,
          flagsChanged: changed,
        },
      },
      activityAuditKey(),
    );
  };
}
