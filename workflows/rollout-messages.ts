import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StepAnalysis } from '../core/rollout/analyse-step.ts';
import type { StepAction, StepVerdict } from '../core/rollout/rollout-plan.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import type { StepWindow } from '../core/rollout/step-window.ts';

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
}

/** What the rollout is doing right now. `paused`: holding the current step for a human. */
export type RolloutPhase =
  | 'starting'
  | 'soaking'
  | 'analysing'
  | 'paused'
  | 'promoting'
  | 'rolling-back'
  | 'finished';

/** How it ended. Every outcome but `promoted` leaves the champion serving alone. */
export type RolloutOutcome = 'running' | 'promoted' | 'rolled-back' | 'cancelled' | 'failed';

/** The human controls, as signals. */
export type RolloutSignalName = 'pause' | 'resume' | 'promote' | 'abort';

/** Who sent a control and why (both optional in the payload). */
export interface RolloutControl {
  by: string;
  reason: string | null;
}

/** One analysis of one step: the verdict, its figures, and what the rollout did about it. */
export interface RolloutAnalysisRecord {
  stepIndex: number;
  stepName: string;
  /** Analyses of this step so far, this one included (extensions and analyses while paused count). */
  attempt: number;
  at: number;
  window: { from: number; to: number };
  /** Where the champion's figures come from, when not from the same window (the 100% step). */
  baselineWindow: { from: number; to: number } | null;
  verdict: StepVerdict;
  /** `hold`: analysed while paused; only a failure acts (rollback). */
  action: StepAction | 'hold';
  reasons: string[];
  notes: string[];
  checks: StepAnalysis['checks'];
  figures: StepWindow;
}

export interface RolloutControlRecord extends RolloutControl {
  signal: RolloutSignalName;
  at: number;
  /** What it did, e.g. "paused at canary 25%" or "ignored: not paused". */
  effect: string;
}

export interface RolloutStatus {
  rolloutId: string;
  model: string;
  cycleId: string | null;
  trigger: string;
  championVersion: string | null;
  candidateVersion: string;
  /** Report id of the gate evaluation that blessed the candidate (null: rolled out unblessed). */
  blessedBy: string | null;
  steps: Array<{ name: string; soakMs: number }>;
  /** The step being run (index into `steps`), null before the first and after the end. */
  stepIndex: number | null;
  stepName: string | null;
  stepStartedAt: number | null;
  /** When the running soak ends and the step is analysed. */
  soakUntil: number | null;
  /** How many times the current step was soaked again after an inconclusive analysis. */
  extensions: number;
  phase: RolloutPhase;
  outcome: RolloutOutcome;
  /** The flags as last written by this rollout (what gateways serve within their cache bound). */
  flags: RolloutState | null;
  paused: { by: string; reason: string | null; since: number } | null;
  /** The latest analyses, oldest first (at most 50). */
  analyses: RolloutAnalysisRecord[];
  controls: RolloutControlRecord[];
  reasons: string[];
  startedAt: number;
  endedAt: number | null;
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
