import { defineQuery, defineSignal, defineUpdate, type SignalDefinition } from '@temporalio/workflow';
import type { ActivitiesConfig, ReviewConfig } from '../core/cycle/cycle-config.ts';
import type { ReviewAction, ReviewDecision, ReviewRetraction } from '../core/review/review-decision.ts';
import type {
  Agreement,
  DecisionLogEntry,
  DecisionReceipt,
  PendingItem,
  ReviewCounts,
} from '../core/review/review-ledger.ts';

/**
 * Messages of the review workflow, shared by the workflow, the typed client and the CLI.
 *
 * Decisions come two ways. Signals (fire-and-forget, e.g. from the Temporal UI's "Send a Signal"): one
 * per action, named after it, with a JSON payload; a refused one is logged and kept in the decision log.
 * The `decide` update takes the same decision with its `action` and answers at once: a receipt, or a
 * refusal with the reason (refused updates leave no trace in the workflow's history). A decision on an
 * item that is already settled is refused, so a stale page never counts twice; the `retract` update
 * takes a reviewer's own vote back.
 */

/** `{"reviewer": "alice", "items": ["3f2a9c01", …]}`: keep the proposed labels. */
export const approveSignal = defineSignal<[unknown]>('approve');
/** `{"reviewer": "alice", "items": ["3f2a9c01"], "label": "spam"}`: set a label. */
export const correctSignal = defineSignal<[unknown]>('correct');
/** `{"reviewer": "alice", "items": ["3f2a9c01"]}`: leave the items out of the dataset. */
export const rejectSignal = defineSignal<[unknown]>('reject');
/** `{"reviewer": "alice"}`: approve every open item alice has not voted on. */
export const approveAllRemainingSignal = defineSignal<[unknown]>('approve-all-remaining');

export const REVIEW_SIGNALS: ReadonlyArray<readonly [ReviewAction, SignalDefinition<[unknown]>]> = [
  ['approve', approveSignal],
  ['correct', correctSignal],
  ['reject', rejectSignal],
  ['approve-all-remaining', approveAllRemainingSignal],
];

export const decideUpdate = defineUpdate<DecisionReceipt, [ReviewDecision]>('decide');
/**
 * `{"reviewer": "alice", "item": "3f2a9c01"}`: alice takes back her last vote on the item (the vote
 * before it counts again, or she has none). Refused with the reason when the review is closed, she has
 * no vote there, or the item was settled by other reviewers' votes.
 */
export const retractUpdate = defineUpdate<DecisionReceipt, [ReviewRetraction]>('retract');

export const reviewQueueQuery = defineQuery<ReviewQueueView>('queue');
/** The decision log, accepted and refused, oldest first. */
export const decisionLogQuery = defineQuery<DecisionLogEntry[]>('decisions');

export interface ReviewInput {
  cycleId: string;
  model: string;
  number: number;
  /** The model's label set: a correction must use one of them. */
  labels: string[];
  /** Labels the cycle already has from auto-label rules (they count toward review.minLabelsAtDeadline). */
  autoLabelled: number;
  review: ReviewConfig;
  activities: ActivitiesConfig;
  /** Epoch ms of the reminder and of the deadline, set by the cycle when it opened the review. */
  remindAt: number;
  deadlineAt: number;
}

export type ReviewClosedBy = 'complete' | 'deadline';

export interface ReviewQueueView {
  reviewId: string;
  cycleId: string;
  model: string;
  number: number;
  /** opening: loading the items (decisions are refused for that moment); closed: deciding is over. */
  state: 'opening' | 'open' | 'closed';
  closedBy: ReviewClosedBy | null;
  remindAt: number;
  deadlineAt: number;
  reminded: boolean;
  /** Whether review.escalateTo was notified (the reminder found too few labels for the deadline). */
  escalated: boolean;
  labels: string[];
  quorum: number;
  onDisagreement: 'requeue' | 'drop';
  /** The allowlist; empty: anyone may review. */
  reviewers: string[];
  counts: ReviewCounts | null;
  agreement: Agreement | null;
  /** Open items with the votes so far. */
  pending: PendingItem[];
  decisions: { accepted: number; refused: number };
  /** The last few refused decisions, newest last. */
  recentRefusals: DecisionLogEntry[];
}

export interface ReviewResult {
  reviewId: string;
  closedBy: ReviewClosedBy;
  counts: ReviewCounts;
  agreement: Agreement;
  decisions: { accepted: number; refused: number };
  reminded: boolean;
  /** Whether review.escalateTo was notified (the reminder found too few labels for the deadline). */
  escalated: boolean;
  /**
   * Whether the cycle goes on: always after a complete review; after the deadline only with at least
   * review.minLabelsAtDeadline labels (auto + human).
   */
  proceeds: boolean;
  /** One line for the cycle's reasons when it does not. */
  reason: string | null;
}

/** The review of a cycle runs as a child workflow whose id is derived from the cycle's. */
export function reviewWorkflowId(cycleWorkflowId: string): string {
  return `${cycleWorkflowId}-review`;
}
