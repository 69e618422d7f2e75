import type { RetentionCursor } from '../../adapters/store/store.ts';

/** One retention pass over a model's captured traffic: ids and numbers only, never rows. */
export interface ApplyRetentionInput {
  model: string;
  keepDays: number;
  /** The pass's "now" (ms), fixed by the caller so every attempt cuts off at the same instant. */
  at: number;
  /** Who asked: "schedule" or "cli". */
  actor: string;
  /** Predictions examined per store call (bounded work per transaction). */
  batch?: number;
}

/** What a pass has done so far; heartbeated after every batch so a retried attempt resumes from it. */
export interface RetentionProgress {
  cursor: RetentionCursor | null;
  predictions: number;
  feedback: number;
  kept: number;
  batches: number;
}

export interface ApplyRetentionResult extends RetentionProgress {
  cutoff: number;
  /** False when a previous attempt already wrote this pass's audit event. */
  audited: boolean;
}

export interface RetentionActivities {
  applyRetention(input: ApplyRetentionInput): Promise<ApplyRetentionResult>;
}
