import type { MinedBatch } from '../mining/mined-batch.ts';
import type { ReviewItem } from './review-item.ts';

/** Review item ids are `<batch id>:<content hash>`: unique per cycle, and the dataset item id is the hash. */
export function reviewItemId(batchId: string, contentId: string): string {
  return `${batchId}:${contentId}`;
}

export function contentIdOf(reviewItemId: string): string {
  return reviewItemId.slice(reviewItemId.lastIndexOf(':') + 1);
}

/**
 * A mined batch as review items: auto-labelled ones already settled by their rule, the rest pending
 * for reviewers with the proposed label. Both kinds live in one place so the dataset step reads one list.
 */
export function reviewItemsFromBatch(
  batch: MinedBatch,
  context: { batchId: string; cycleId: string; model: string; at: number },
): ReviewItem[] {
  const common = { cycleId: context.cycleId, model: context.model, updatedAt: context.at };
  return [
    ...batch.autoLabelled.map(
      (item): ReviewItem => ({
        ...common,
        id: reviewItemId(context.batchId, item.id),
        predictionId: item.predictionId,
        text: item.text,
        proposedLabel: item.label,
        reason: item.reason,
        confidence: item.confidence,
        status: item.label === item.predictedLabel ? 'approved' : 'corrected',
        finalLabel: item.label,
        decidedBy: [`rule:${item.rule}`],
      }),
    ),
    ...batch.needsReview.map(
      (item): ReviewItem => ({
        ...common,
        id: reviewItemId(context.batchId, item.id),
        predictionId: item.predictionId,
        text: item.text,
        proposedLabel: item.proposedLabel,
        reason: item.reason,
        confidence: item.confidence,
        status: 'pending',
        finalLabel: null,
        decidedBy: [],
      }),
    ),
  ];
}
