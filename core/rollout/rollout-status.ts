import type { StepAnalysis } from './analyse-step.ts';
import type { StepAction, StepVerdict } from './rollout-plan.ts';
import type { RolloutState } from './rollout-state.ts';
import type { StepWindow } from './step-window.ts';

/**
 * What a rollout shows of itself: the status query's answer, the Temporal UI's details and the CLI's
 * `rollout status` are all this one record.
 */

/** A span of capture time [from, to) in ms. */
export interface TimeWindow {
  from: number;
  to: number;
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
  window: TimeWindow;
  /** Where the champion's figures come from, when not from the same window (the 100% step). */
  baselineWindow: TimeWindow | null;
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
  /** `<workflow id>/<run id of the first run>`: kept when a long pause continues as new. */
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
