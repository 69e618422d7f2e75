import { queueItemOf, type ReviewQueueItem } from '../../core/review/review-queue-item.ts';
import type { ActivityDeps } from '../deps.ts';
import type { LoadReviewQueueInput } from './contracts.ts';

/** The cycle's pending review items, in the order they were mined, as excerpts for the review workflow. */
export function loadReviewQueueActivity({ store }: ActivityDeps) {
  return async function loadReviewQueue(input: LoadReviewQueueInput): Promise<ReviewQueueItem[]> {
    const items = await store.reviewItems.listByCycle(input.cycleId);
    return items.filter((item) => item.status === 'pending').map(queueItemOf);
  };
}
