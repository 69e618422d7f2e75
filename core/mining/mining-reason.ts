import { z } from 'zod';

/**
 * Why a captured prediction is worth a label, most telling first: the order is the mining priority
 * (a user saying "wrong" beats two models disagreeing, which beats the model merely being unsure, which
 * beats an input looking unfamiliar).
 */
export const MiningReason = z.enum([
  'negative-feedback',
  'shadow-disagreement',
  'low-confidence',
  'drifted-input',
]);
export type MiningReason = z.infer<typeof MiningReason>;

export const MINING_REASONS: readonly MiningReason[] = MiningReason.options;

/** Rules that may settle a mined item's label without a human. */
export const AutoLabelRule = z.enum(['user-label', 'binary-flip']);
export type AutoLabelRule = z.infer<typeof AutoLabelRule>;

/** Whose feedback an auto-label rule may act on (see `autoLabel.trustFeedbackFrom`). */
export const FeedbackTrust = z.enum(['prediction-user', 'anyone']);
export type FeedbackTrust = z.infer<typeof FeedbackTrust>;
