import { z } from 'zod';
import { ReviewerId } from './review-decision.ts';

/**
 * A person who may sign in to the review console. The name is the identity every decision of theirs
 * carries; the password is kept only as a salted scrypt hash (`scrypt$N$r$p$salt$hash`, base64 parts).
 */
export const ReviewerAccount = z.object({
  name: ReviewerId,
  passwordHash: z.string().startsWith('scrypt$'),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type ReviewerAccount = z.infer<typeof ReviewerAccount>;
