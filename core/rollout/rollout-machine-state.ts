import type { RolloutConfig } from '../cycle/cycle-config.ts';
import type { StepAnalysis } from './analyse-step.ts';
import type { RolloutStep } from './rollout-plan.ts';
import type { RolloutState } from './rollout-state.ts';
import type {
  RolloutControl,
  RolloutControlRecord,
  RolloutOutcome,
  RolloutSignalName,
  RolloutStatus,
  TimeWindow,
} from './rollout-status.ts';
import type { StepWindow } from './step-window.ts';

/** The rollout machine's state, events, commands and effects (see rollout-machine.ts). */

export const MAX_ANALYSES_KEPT = 50;
/** Patch of the zero-soak step whose analysis closes the window with its own clock. */
export const ZERO_SOAK_OPEN_WINDOW_PATCH = 'rollout-zero-soak-open-window';
/**
 * Patch of the controls that come between a step's passing analysis and the next step: an abort that
 * came while the last analysis ran wins over its success, and a pause that came after a step passed
 * holds that step instead of starting the next one (before, both were overlooked).
 */
export const CONTROLS_BETWEEN_STEPS_PATCH = 'rollout-controls-between-steps';

export type RolloutSettings = Pick<RolloutConfig, 'steps' | 'soak' | 'onInconclusive' | 'maxExtensions'>;

export interface StepAnalysisResult extends StepAnalysis {
  figures: StepWindow;
  /** The window the figures come from, when the analysis closed an open window. */
  window?: TimeWindow;
}

/** A window the analysis closes when it reads the traffic (`to: null`). */
export type StepWindowSpan = TimeWindow | { from: number; to: null };

/** What a wait wakes on (besides its timeout). */
export type RolloutWaitUntil = 'interrupt' | 'interrupt-or-pause' | 'interrupt-or-resume';

export type RolloutCommand =
  | { kind: 'stage'; value: string }
  | { kind: 'outcome'; value: RolloutOutcome }
  | { kind: 'log'; level: 'info' | 'error'; message: string; fields: Record<string, unknown> };

export type RolloutEffect =
  | { kind: 'begin' }
  | { kind: 'write-flags'; state: RolloutState; reason: string }
  | { kind: 'check-patch'; patch: string }
  | {
      kind: 'wait';
      until: RolloutWaitUntil;
      timeoutMs: number | null;
      summary: string | null;
      /** A paused step may continue as new when the history grows long. */
      mayContinueAsNew: boolean;
    }
  | {
      kind: 'analyse';
      step: Pick<RolloutStep, 'index' | 'name' | 'championBaseline'> & { mode: 'shadow' | 'canary' };
      window: StepWindowSpan;
      baselineWindow: TimeWindow | null;
    }
  | {
      kind: 'audit';
      compensation: boolean;
      event: { kind: string; actor: string; details: Record<string, unknown> };
    }
  | { kind: 'complete'; reason: string; actor: string }
  | { kind: 'restore'; reason: string; actor: string }
  /** Ends this run; the next one starts from `carried`. */
  | { kind: 'continue-as-new'; carried: RolloutMachine }
  | { kind: 'return' }
  | { kind: 'rethrow' };

export type RolloutEvent = { at: number } & (
  | { type: 'started' }
  | { type: 'begun'; championVersion: string | null; blessedBy: string | null }
  | { type: 'flags-written' }
  | { type: 'patch-checked'; patched: boolean }
  /** A soak or a hold ended: `woke` when what it waited for came before its timeout. */
  | { type: 'waited'; woke: boolean }
  | { type: 'history-full' }
  /** Null: abort or promote came first and the analysis was abandoned. */
  | { type: 'analysed'; result: StepAnalysisResult | null }
  | { type: 'audited' }
  | { type: 'completed' }
  | { type: 'restored' }
  | { type: 'failed'; reason: string; cancelled: boolean }
  | { type: 'signal'; signal: RolloutSignalName; control: RolloutControl }
);

/** What to do once the audits of pending controls are written. */
export type Continuation =
  | { to: 'before-step' }
  | { to: 'next-step' }
  | { to: 'after-soak'; elapsed: boolean }
  | { to: 'after-hold-wait'; woke: boolean }
  | { to: 'hold' }
  | { to: 'finish'; outcome: RolloutOutcome; reasons: string[]; end: 'return' | 'rethrow' };

/** The event the machine waits for. */
export type Pending =
  | { on: 'start' }
  | { on: 'carried' }
  | { on: 'begun' }
  | { on: 'flags-written' }
  | { on: 'patch-checked'; patch: string }
  | { on: 'soak' }
  | { on: 'hold-wait' }
  | { on: 'analysed'; closed: TimeWindow; inHold: boolean }
  | { on: 'audited'; next: Continuation; compensation: boolean; drain: boolean }
  | { on: 'completed'; reason: string }
  | { on: 'restored'; next: Continuation }
  | { on: 'ended' };

export interface RolloutMachine {
  status: RolloutStatus;
  settings: RolloutSettings;
  plan: RolloutStep[];
  /** The step being run and what its analyses need. */
  cursor: {
    index: number;
    from: number;
    baselineWindow: TimeWindow | null;
    previousWindow: TimeWindow | null;
    openWindow: boolean;
    attempts: number;
  };
  /** Abort and promote end the step at its next wait; abort wins over promote. */
  requests: { abort: RolloutControl | null; promote: RolloutControl | null };
  /** Controls received but not yet in the audit trail. */
  unaudited: RolloutControlRecord[];
  /** Set before the first flag write: from then on an early end must restore the champion. */
  flagsTouched: boolean;
  /** The compensation after an error is running: a second error ends the workflow. */
  failing: boolean;
  /** The stage search attribute as last written in this run. */
  stage: string;
  pending: Pending;
}

export function startRolloutMachine(input: {
  rolloutId: string;
  model: string;
  cycleId: string | null;
  trigger: string;
  candidateVersion: string;
  settings: RolloutSettings;
  at: number;
}): RolloutMachine {
  const { rolloutId, model, cycleId, trigger, candidateVersion, settings, at } = input;
  return {
    status: {
      rolloutId,
      model,
      cycleId,
      trigger,
      championVersion: null,
      candidateVersion,
      blessedBy: null,
      steps: [],
      stepIndex: null,
      stepName: null,
      stepStartedAt: null,
      soakUntil: null,
      extensions: 0,
      phase: 'starting',
      outcome: 'running',
      flags: null,
      paused: null,
      analyses: [],
      controls: [],
      reasons: [],
      startedAt: at,
      endedAt: null,
    },
    settings,
    plan: [],
    cursor: {
      index: 0,
      from: at,
      baselineWindow: null,
      previousWindow: null,
      openWindow: false,
      attempts: 0,
    },
    requests: { abort: null, promote: null },
    unaudited: [],
    flagsTouched: false,
    failing: false,
    stage: '',
    pending: { on: 'start' },
  };
}

/** The machine a paused rollout hands to its next run: it starts by holding the same step again. */
export function carryRolloutMachine(machine: RolloutMachine, controlsKept = 100): RolloutMachine {
  if (machine.pending.on !== 'hold-wait') {
    throw new Error(`a rollout continues as new only while it holds a step, not while ${machine.pending.on}`);
  }
  const status = { ...machine.status, controls: machine.status.controls.slice(-controlsKept) };
  return { ...machine, status, stage: '', pending: { on: 'carried' } };
}

/** Whether a wait of the given kind is over (abort/promote came, or the pause began or ended). */
export function rolloutWaitOver(machine: RolloutMachine, until: RolloutWaitUntil): boolean {
  const interrupted = machine.requests.abort !== null || machine.requests.promote !== null;
  if (until === 'interrupt') return interrupted;
  if (until === 'interrupt-or-pause') return interrupted || machine.status.paused !== null;
  return interrupted || machine.status.paused === null;
}

export function short(id: string | null): string {
  return id ? id.slice(0, 16) : 'none';
}
