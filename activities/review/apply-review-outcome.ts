import type { ActivityDeps } from '../deps.ts';
import type { ApplyReviewOutcomeInput, ApplyReviewOutcomeResult } from './contracts.ts';

/**
 * Writes reviewers' decisions onto the cycle's review items, which the dataset step reads. Idempotent:
 * an item already holding its outcome is left as it is. Only pending items change, so a review can
 * never overwrite a label an auto-label rule settled.
 */
export function applyReviewOutcomeActivity({ store }: ActivityDeps) {
  return async function applyReviewOutcome(
    input: ApplyReviewOutcomeInput,
  ): Promise<ApplyReviewOutcomeResult> {
    const items = new Map(
      (await store.reviewItems.listByCycle(input.cycleId)).map((item) => [item.id, item]),
    );
    const changed = input.outcomes.flatMap((outcome) => {
      const item = items.get(outcome.id);
      if (item?.status !== 'pending') return [];
      return [
        {
          ...item,
          status: outcome.status,
          finalLabel: outcome.finalLabel,
          decidedBy: outcome.decidedBy,
          updatedAt: input.at,
        },
      ];
    });
    await store.reviewItems.upsertMany(changed);
    return { updated: changed.length };
  };
}
