import { defineQuery } from '@temporalio/workflow';
import type { CaptureWatermark } from '../core/capture/records.ts';
import type { CycleOutcome } from '../core/cycle/cycle-record.ts';
import type { BudgetOverrun } from '../core/cycle/training-budget.ts';
import type { ReviewCounts } from '../core/review/review-ledger.ts';
import type { ReviewClosedBy } from './review-messages.ts';

/** Where a cycle is. `waiting-for-review` and `rolling-out` are the long waits. */
export type CycleStage =
  | 'starting'
  | 'collecting'
  | 'waiting-for-review'
  | 'building-dataset'
  | 'training'
  | 'evaluating'
  | 'rolling-out'
  | 'finished';

export interface CycleStatus {
  cycleId: string;
  model: string;
  number: number;
  trigger: string;
  stage: CycleStage;
  outcome: CycleOutcome;
  reasons: string[];
  championVersion: string | null;
  candidateVersion: string | null;
  datasetId: string | null;
  batchId: string | null;
  reportId: string | null;
  from: CaptureWatermark | null;
  to: CaptureWatermark | null;
  mined: {
    scanned: number;
    autoLabelled: number;
    needsReview: number;
    byReason: Record<string, number>;
    droppedByCause: Record<string, number>;
  } | null;
  labels: { auto: number; human: number } | null;
  /** Training figures of the chosen candidate (resumedFromEpoch is set when a crashed attempt was resumed). */
  training: { holdoutAccuracy: number; reused: boolean; resumedFromEpoch: number | null } | null;
  /** Holdout figures of the gate's report. */
  evaluation: {
    passed: boolean;
    candidate: Record<string, number>;
    champion: Record<string, number> | null;
  } | null;
  /** The review child's outcome, when items needed reviewers (its queue: `flywheel review show <model>`). */
  review: {
    workflowId: string;
    closedBy: ReviewClosedBy;
    counts: ReviewCounts;
    /** Share of items voted on by several reviewers on which all agreed; null when none was. */
    agreementRate: number | null;
    decisions: { accepted: number; refused: number };
  } | null;
  /** The rollout child (its own status: `flywheel rollout status <model>`), once started. */
  rollout: { workflowId: string; outcome: string; reasons: string[] } | null;
  /**
   * What the cycle cost so far: CPU-seconds its activities used (on the workers' main thread; a training
   * stopped by its budget included) and the reviewers' accepted decisions. Also the search attributes
   * FlywheelCpuSeconds and FlywheelReviewerDecisions once the cycle ends.
   */
  cost: CycleCost;
  /** The budget limit the cycle went or would have gone over (outcome over-budget), with the figures. */
  overBudget: BudgetOverrun | null;
  /** Milliseconds spent in each stage so far (workflow time). */
  secondsByStage: Record<string, number>;
  startedAt: number;
  endedAt: number | null;
}

export interface CycleCost {
  cpuSeconds: { collecting: number; dataset: number; training: number; evaluation: number; total: number };
  reviewerDecisions: number;
}

export interface CycleInput {
  model: string;
  number: number;
  trigger: string;
  /** A cycle config (any subset; defaults fill the rest), validated again in the workflow. */
  config?: unknown;
}

export type CycleResult = CycleStatus;

export const cycleStatusQuery = defineQuery<CycleStatus>('status');

/** One running cycle per model at a time: the number is part of the id, the start refuses a duplicate. */
export function cycleWorkflowId(model: string, number: number): string {
  return `flywheel-cycle-${model}-${number}`;
}
