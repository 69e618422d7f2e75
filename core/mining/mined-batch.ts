import type { ProposalBasis } from './label-decision.ts';
import type { AutoLabelRule, MiningReason } from './mining-reason.ts';

/** One mined edge case: a served prediction worth a label, identified by the content hash of its text. */
export interface MinedItem {
  /** contentHash(text): SHA-256 hex of the captured text, so the same text is the same dataset item. */
  id: string;
  predictionId: string;
  modelVersion: string;
  text: string;
  /** The most telling reason; `reasons` holds all that applied, most telling first. */
  reason: MiningReason;
  reasons: MiningReason[];
  /** What the model served; an item whose final label differs is a mistake the next model should fix. */
  predictedLabel: string;
  confidence: number;
  /** Data group from the prediction's metadata, for slices. */
  group: string | null;
  feedbackIds: string[];
}

export interface AutoLabelledItem extends MinedItem {
  label: string;
  /** The auto-label rule that settled the label. */
  rule: AutoLabelRule;
}

export interface ReviewCandidate extends MinedItem {
  proposedLabel: string;
  proposedBecause: ProposalBasis;
}

/** Why a candidate was left out of the batch. */
export type DropCause =
  | 'too-short'
  | 'conflicting-feedback'
  | 'unknown-label'
  | 'already-known'
  | 'duplicate'
  | 'near-duplicate'
  | 'class-cap'
  | 'over-budget';

export const DROP_CAUSES: readonly DropCause[] = [
  'too-short',
  'conflicting-feedback',
  'unknown-label',
  'already-known',
  'duplicate',
  'near-duplicate',
  'class-cap',
  'over-budget',
];

export interface MiningCounts {
  /** Served predictions looked at. */
  scanned: number;
  /** Candidates per reason before any filter (a candidate counts under each reason it has). */
  candidates: Record<MiningReason, number>;
  /** Candidates left out, per cause (each counted once, under the first filter that dropped it). */
  dropped: Record<DropCause, number>;
  /** Items in the batch per primary reason. */
  selected: Record<MiningReason, number>;
  autoLabelled: number;
  needsReview: number;
  /** Feedback whose prediction was not among the served predictions given (e.g. on a shadow). */
  unmatchedFeedback: number;
}

export interface MinedBatch {
  autoLabelled: AutoLabelledItem[];
  needsReview: ReviewCandidate[];
  counts: MiningCounts;
}
