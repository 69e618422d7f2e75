import type { ApplyRetentionResult } from '../activities/retention/contracts.ts';

/** What a retention pass did: its cut-off and counts (never rows). */
export type RetentionResult = ApplyRetentionResult;

export interface RetentionInput {
  model: string;
  keepDays: number;
  /** "schedule" or "cli": the audit event's actor. */
  actor: string;
  /** Predictions examined per store transaction; the activity's default when absent. */
  batch?: number;
}

/** One retention schedule per model: `flywheel retention set` replaces its setting. */
export function retentionScheduleId(model: string): string {
  return `flywheel-retention-schedule-${model}`;
}

/** The id of a retention run (a schedule's firing gets the firing time appended by Temporal). */
export function retentionWorkflowId(model: string): string {
  return `flywheel-retention-${model}`;
}
