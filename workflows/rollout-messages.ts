import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RolloutMachine } from '../core/rollout/rollout-machine.ts';
import type { RolloutControl, RolloutStatus } from '../core/rollout/rollout-status.ts';

export type {
  RolloutAnalysisRecord,
  RolloutControl,
  RolloutControlRecord,
  RolloutOutcome,
  RolloutPhase,
  RolloutSignalName,
  RolloutStatus,
} from '../core/rollout/rollout-status.ts';

/**
 * The rollout workflow's messages, shared by the workflow, the typed client, the CLI and the Temporal
 * UI ("Send a Signal" with the names below and an optional JSON payload `{"by": "…", "reason": "…"}`).
 */

export interface RolloutInput {
  model: string;
  candidateVersion: string;
  /** Who or what started it: "cycle", "cli:alice", "test". */
  trigger: string;
  /** A cycle config (any subset; defaults fill the rest): its `rollout` and `activities` sections apply. */
  config?: unknown;
  /** The cycle that blessed the candidate, when a cycle started the rollout. */
  cycleId?: string | null;
  cycleNumber?: number | null;
  /** Roll out a version no gate blessed. Refused otherwise: the gate is what lets a candidate near users. */
  allowUnblessed?: boolean;
  /**
   * History events after which a paused rollout continues as new (default 4,000, or sooner when
   * Temporal suggests it). A rollout that is not paused never holds a step long enough to need it.
   */
  historyLimit?: number;
  /** What the previous run handed over when a long pause continued as new; absent on a fresh start. */
  carried?: RolloutMachine;
}

export type RolloutResult = RolloutStatus;

/** Holds the current step: no advance until `resume` (a failing analysis still rolls back). */
export const pauseRolloutSignal = defineSignal<[unknown?]>('pause');
/** Ends a pause: the current step soaks again and is analysed before the rollout goes on. */
export const resumeRolloutSignal = defineSignal<[unknown?]>('resume');
/** Skips the remaining steps and analyses: the candidate becomes the champion at once. */
export const promoteRolloutSignal = defineSignal<[unknown?]>('promote');
/** Back to the champion at once; the rollout ends rolled-back. */
export const abortRolloutSignal = defineSignal<[unknown?]>('abort');

export const rolloutStatusQuery = defineQuery<RolloutStatus>('status');

/**
 * One rollout per model at a time: the id is the model's, so a second start is refused while one runs,
 * and on-call can signal it knowing only the model.
 */
export function rolloutWorkflowId(model: string): string {
  return `flywheel-rollout-${model}`;
}

/**
 * Reads a control payload leniently: an abort must never be lost to a malformed payload typed into the
 * Temporal UI. Accepts nothing, a string (the reason) or `{"by": "…", "reason": "…"}`.
 */
export function readControl(payload: unknown, defaultBy = 'temporal-ui'): RolloutControl {
  const text = (value: unknown, max: number) =>
    typeof value === 'string' && value.trim().length > 0 ? value.trim().slice(0, max) : null;
  if (typeof payload === 'string') return { by: defaultBy, reason: text(payload, 1000) };
  if (payload !== null && typeof payload === 'object') {
    const fields = payload as Record<string, unknown>;
    return { by: text(fields.by, 200) ?? defaultBy, reason: text(fields.reason, 1000) };
  }
  return { by: defaultBy, reason: null };
}
