import { z } from 'zod';
import { Label, ModelName } from '../model-name.ts';

/** An edge case that needs a human label, and what became of it. */
export const ReviewItemStatus = z.enum(['pending', 'approved', 'corrected', 'rejected']);
export type ReviewItemStatus = z.infer<typeof ReviewItemStatus>;

export const ReviewItem = z.object({
  id: z.string().min(1),
  cycleId: z.string().min(1),
  model: ModelName,
  predictionId: z.string().nullable(),
  text: z.string(),
  proposedLabel: Label,
  reason: z.string(),
  confidence: z.number().min(0).max(1).nullable(),
  status: ReviewItemStatus,
  finalLabel: Label.nullable(),
  /** Reviewers whose decisions settled the item. */
  decidedBy: z.array(z.string()),
  updatedAt: z.number().int(),
});
export type ReviewItem = z.infer<typeof ReviewItem>;
