import type { WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { type ReviewQueueView, reviewQueueQuery } from '../../workflows/review-messages.ts';

/** Waits until a cycle's review is open and returns its queue as the `queue` query answers it. */
export async function openReviewQueue(review: WorkflowHandle, timeoutMs = 60_000): Promise<ReviewQueueView> {
  let queue: ReviewQueueView | undefined;
  await expect
    .poll(
      async () => {
        queue = await review.query(reviewQueueQuery).catch(() => undefined);
        return queue?.state;
      },
      { timeout: timeoutMs, interval: 250 },
    )
    .toBe('open');
  return queue!;
}
