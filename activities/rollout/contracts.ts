import type { RolloutConfig } from '../../core/cycle/cycle-config.ts';
import type { StepAnalysis } from '../../core/rollout/analyse-step.ts';
import type { RolloutStep } from '../../core/rollout/rollout-plan.ts';
import type { RolloutState } from '../../core/rollout/rollout-state.ts';
import type { StepWindow } from '../../core/rollout/step-window.ts';

/** What every rollout activity is told about the rollout it works for (for the audit trail). */
export interface RolloutRef {
  rolloutId: string;
  model: string;
  cycleId: string | null;
}

export interface BeginRolloutInput extends RolloutRef {
  candidateVersion: string;
  allowUnblessed: boolean;
  trigger: string;
  /** Step names, for the audit trail. */
  steps: string[];
}
export interface BeginRolloutResult {
  /** The champion now (null: the model has none, the candidate is promoted directly). */
  championVersion: string | null;
  blessedBy: string | null;
}

export interface SetRolloutFlagsInput extends RolloutRef {
  state: RolloutState;
  /** Why, e.g. "step canary 25%": for the audit trail. */
  reason: string;
  actor: string;
}
export interface SetRolloutFlagsResult {
  changed: boolean;
}

/** A span of capture time [from, to) in ms. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface AnalyseStepInput extends RolloutRef {
  step: Pick<RolloutStep, 'index' | 'name' | 'championBaseline'> & { mode: 'shadow' | 'canary' };
  championVersion: string;
  candidateVersion: string;
  /**
   * The step's window. `to: null` leaves it open until the analysis reads it: with a zero soak the
   * workflow's clock has not moved since the flags were written, so the analysis's own clock ends it.
   */
  window: TimeWindow | OpenTimeWindow;
  /** The champion's figures come from here instead of `window` (a 100% step: the champion serves nobody). */
  baselineWindow: TimeWindow | null;
  rollout: RolloutConfig;
}
/** A window that the analysis closes when it reads the traffic. */
export interface OpenTimeWindow {
  from: number;
  to: null;
}

export interface AnalyseStepResult extends StepAnalysis {
  figures: StepWindow;
  /** The window the figures come from (absent in results recorded before windows could be open). */
  window?: TimeWindow;
}

export interface CompleteRolloutInput extends RolloutRef {
  championVersion: string | null;
  candidateVersion: string;
  reason: string;
  actor: string;
}

export interface RestoreChampionInput extends RolloutRef {
  championVersion: string | null;
  candidateVersion: string;
  reason: string;
  actor: string;
}

export interface RecordRolloutEventInput extends RolloutRef {
  kind: string;
  actor: string;
  details: Record<string, unknown>;
}

export interface RolloutActivities {
  /** Checks the candidate and finds the champion it is rolled out against. */
  beginRollout(input: BeginRolloutInput): Promise<BeginRolloutResult>;
  /** Writes the model's flags (idempotent) and audits a change. */
  setRolloutFlags(input: SetRolloutFlagsInput): Promise<SetRolloutFlagsResult>;
  /** The online analysis of a step over the traffic captured in its window; audited with its figures. */
  analyseRolloutStep(input: AnalyseStepInput): Promise<AnalyseStepResult>;
  /** Moves the aliases (champion = candidate, previous = old champion) and writes champion-only flags. */
  completeRollout(input: CompleteRolloutInput): Promise<void>;
  /** Writes champion-only flags for the champion the rollout started from. */
  restoreChampion(input: RestoreChampionInput): Promise<void>;
  recordRolloutEvent(input: RecordRolloutEventInput): Promise<void>;
}
