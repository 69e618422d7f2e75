import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { ChampionActivities } from '../activities/champion/change-champion.ts';
import type { ChampionChangeResult } from '../activities/rollout/move-champion.ts';
import type { ChampionChangeInput } from './champion-change-messages.ts';

/**
 * Retries without a cap: the change is idempotent by its target, and a champion left half-moved
 * (registry on one version, flags on another) is worse than a change that waits for the store to answer.
 * An unknown version fails at once (non-retryable).
 */
const { changeChampion } = proxyActivities<ChampionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/**
 * A hand-made change of who serves (`flywheel models rollback`): the champion moves to the named version
 * and the flags follow, retried until both agree; its history and an audit event record it.
 */
export async function championChange(input: ChampionChangeInput): Promise<ChampionChangeResult> {
  setCurrentDetails(`**${input.model}** → champion **${input.to}** by ${input.actor}: ${input.reason}`);
  const result = await changeChampion(input);
  setCurrentDetails(
    `**${input.model}**: champion **${result.champion}**, previous ${result.previous ?? '-'} — ` +
      (result.changed ? 'changed' : 'nothing to change (already so)'),
  );
  return result;
}
