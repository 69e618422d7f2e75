import type { ReviewClient } from '../../client/review-client.ts';
import { contentIdOf } from '../../core/review/batch-items.ts';

export interface ReviewerStats {
  decisions: number;
  corrected: number;
  refused: number;
}

/**
 * A reviewer who knows the true labels and works every open review of a model through the same
 * `decide` update a person's CLI sends, one item at a time with a think time per decision.
 */
export function startSimulatedReviewer(options: {
  reviews: ReviewClient;
  model: string;
  reviewer: string;
  truth: ReadonlyMap<string, string>;
  latencyMs: number;
  signal: AbortSignal;
}): { stats: ReviewerStats; done: Promise<void> } {
  const stats: ReviewerStats = { decisions: 0, corrected: 0, refused: 0 };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const done = (async () => {
    while (!options.signal.aborted) {
      const waiting = await options.reviews.waiting({ model: options.model }).catch(() => []);
      for (const review of waiting) {
        const queue = await options.reviews.queue(options.model, review.number).catch(() => null);
        if (queue?.state !== 'open') continue;
        for (const item of queue.pending) {
          if (options.signal.aborted) return;
          await pause(options.latencyMs);
          const truth = options.truth.get(contentIdOf(item.id));
          const decision =
            truth === undefined || truth === item.proposedLabel
              ? { action: 'approve', reviewer: options.reviewer, items: [item.id] }
              : { action: 'correct', reviewer: options.reviewer, items: [item.id], label: truth };
          try {
            await options.reviews.decide(options.model, review.number, decision);
            stats.decisions += 1;
            if (decision.action === 'correct') stats.corrected += 1;
          } catch {
            stats.refused += 1;
          }
        }
      }
      await pause(500);
    }
  })();
  return { stats, done };
}
