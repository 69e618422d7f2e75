import { invalidInput, notFound } from '../activity-errors.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { BeginRolloutInput, BeginRolloutResult } from './contracts.ts';

/** Checks that the candidate can be rolled out and finds the champion it is measured against. */
export function beginRolloutActivity({ store }: ActivityDeps) {
  return async function beginRollout(input: BeginRolloutInput): Promise<BeginRolloutResult> {
    const candidate = await store.models.get(input.candidateVersion);
    if (!candidate || candidate.model !== input.model) {
      throw notFound(`${input.model} has no version ${input.candidateVersion} in the registry`);
    }
    const championVersion = await store.models.alias(input.model, 'champion');
    if (championVersion === input.candidateVersion) {
      throw invalidInput(`${input.candidateVersion} is already the champion of ${input.model}`);
    }
    if (candidate.blessedBy === null && !input.allowUnblessed) {
      throw invalidInput(
        `${input.candidateVersion} was not blessed by a gate; roll it out anyway with --unblessed (allowUnblessed)`,
      );
    }
    if (championVersion) {
      const champion = await store.models.get(championVersion);
      const same = (a: readonly string[], b: readonly string[]) =>
        a.length === b.length && a.every((label, i) => label === b[i]);
      if (champion && !same([...champion.labels].sort(), [...candidate.labels].sort())) {
        throw invalidInput(
          `${input.candidateVersion} has labels ${candidate.labels.join(', ')} but the champion has ${champion.labels.join(', ')}`,
        );
      }
    }
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'rollout-started',
        actor: input.trigger,
        details: {
          rolloutId: input.rolloutId,
          championVersion,
          candidateVersion: input.candidateVersion,
          blessedBy: candidate.blessedBy,
          steps: input.steps,
        },
      },
      activityAuditKey(),
    );
    return { championVersion, blessedBy: candidate.blessedBy };
  };
}
