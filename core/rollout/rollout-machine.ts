import type { RolloutConfig } from '../cycle/cycle-config.ts';
import type { StepAnalysis } from './analyse-step.ts';
import { nextStepAction, planRollout, type RolloutStep, type StepAction } from './rollout-plan.ts';
import { CHAMPION_ONLY, type RolloutState } from './rollout-state.ts';
import type {
  RolloutControl,
  RolloutControlRecord,
  RolloutOutcome,
  RolloutPhase,
  RolloutSignalName,
  RolloutStatus,
  TimeWindow,
} from './rollout-status.ts';
import type { StepWindow } from './step-window.ts';

/**
 * The staged rollout's decisions as a pure state machine: `advanceRollout(machine, event)` returns the
 * next machine, the commands to run at once (search attributes, logs) and at most one effect to wait
 * on (an activity, a wait, continue-as-new, the end); the effect's outcome is the next event. Signals
 * are events too: they only record the request and change what the running wait waits for.
 *
 * For each step of the plan: write the flags, soak, analyse the traffic captured in the step's window
 * and act on the verdict (advance, extend, pause, roll back); after the last step passes, promote.
 * Whatever ends it other than promotion (failed analysis, abort, an error, a cancellation) leaves the
 * champion serving alone. The order of effects is the shipped workflow's, so recorded histories replay.
 */

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
type Continuation =
  | { to: 'before-step' }
  | { to: 'next-step' }
  | { to: 'after-soak'; elapsed: boolean }
  | { to: 'after-hold-wait'; woke: boolean }
  | { to: 'hold' }
  | { to: 'finish'; outcome: RolloutOutcome; reasons: string[]; end: 'return' | 'rethrow' };

/** The event the machine waits for. */
type Pending =
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

export interface RolloutTurn {
  machine: RolloutMachine;
  commands: RolloutCommand[];
  /** Null only after a signal: the effect under way goes on. */
  effect: RolloutEffect | null;
}

export function advanceRollout(machine: RolloutMachine, event: RolloutEvent): RolloutTurn {
  const turn = new Turn(copy(machine), event.at);
  turn.apply(event);
  return { machine: turn.m, commands: turn.commands, effect: turn.effect };
}

/** Copies what a turn changes in place, so the machine handed in stays as it was. */
function copy(machine: RolloutMachine): RolloutMachine {
  const { status } = machine;
  return {
    ...machine,
    status: {
      ...status,
      analyses: [...status.analyses],
      controls: [...status.controls],
      reasons: [...status.reasons],
    },
    cursor: { ...machine.cursor },
    requests: { ...machine.requests },
    unaudited: [...machine.unaudited],
  };
}

/** The events that may answer each pending effect (signals and failures may come at any time). */
const EXPECTED: Record<Pending['on'], readonly RolloutEvent['type'][]> = {
  start: ['started'],
  carried: ['started'],
  begun: ['begun'],
  'flags-written': ['flags-written'],
  'patch-checked': ['patch-checked'],
  soak: ['waited'],
  'hold-wait': ['waited', 'history-full'],
  analysed: ['analysed'],
  audited: ['audited'],
  completed: ['completed'],
  restored: ['restored'],
  ended: [],
};

/** A turn's methods act on the turn (machine, commands, effect); they return only to end a branch. */
type Taken = undefined;

type StepEnd = { kind: 'rollback' | 'promote'; reason: string; actor: string };

class Turn {
  readonly commands: RolloutCommand[] = [];
  effect: RolloutEffect | null = null;
  readonly m: RolloutMachine;
  readonly at: number;
  constructor(machine: RolloutMachine, at: number) {
    this.m = machine;
    this.at = at;
  }

  private get s(): RolloutStatus {
    return this.m.status;
  }
  private get step(): RolloutStep {
    return this.m.plan[this.m.cursor.index]!;
  }

  apply(event: RolloutEvent): Taken {
    if (event.type === 'signal') return this.control(event.signal, event.control);
    if (event.type === 'failed') return this.fail(event.reason, event.cancelled);
    const pending = this.m.pending;
    if (!EXPECTED[pending.on].includes(event.type)) {
      throw new Error(`rollout machine: event ${event.type} while waiting for ${pending.on}`);
    }
    switch (event.type) {
      case 'started':
        if (pending.on === 'carried') return this.hold();
        this.enter('starting');
        return this.wait({ on: 'begun' }, { kind: 'begin' });
      case 'begun':
        return this.begun(event.championVersion, event.blessedBy);
      case 'flags-written':
        return this.flagsWritten();
      case 'patch-checked':
        if (pending.on !== 'patch-checked') return;
        return this.patchChecked(pending.patch, event.patched);
      case 'waited':
        if (pending.on === 'soak') {
          this.s.soakUntil = null;
          return this.audit({ to: 'after-soak', elapsed: !event.woke });
        }
        return this.audit({ to: 'after-hold-wait', woke: event.woke });
      case 'history-full':
        return this.wait({ on: 'ended' }, { kind: 'continue-as-new', carried: carryRolloutMachine(this.m) });
      case 'analysed':
        if (pending.on !== 'analysed') return;
        return pending.inHold
          ? this.analysedInHold(event.result, pending.closed)
          : this.analysed(event.result, pending.closed);
      case 'audited':
        if (pending.on !== 'audited') return;
        return pending.drain ? this.audit(pending.next, pending.compensation) : this.proceed(pending.next);
      case 'completed':
        if (pending.on !== 'completed') return;
        this.s.flags = CHAMPION_ONLY(this.s.candidateVersion);
        return this.audit(
          { to: 'finish', outcome: 'promoted', reasons: [pending.reason], end: 'return' },
          true,
        );
      case 'restored':
        if (pending.on !== 'restored') return;
        this.s.flags = CHAMPION_ONLY(this.s.championVersion);
        return this.audit(pending.next, true);
    }
  }

  private wait(pending: Pending, effect: RolloutEffect): Taken {
    this.m.pending = pending;
    this.effect = effect;
  }

  private enter(phase: RolloutPhase): Taken {
    this.s.phase = phase;
    // The search attribute names the step (what on-call filters by), so soaking and analysing share it;
    // it is written only when it changes, which keeps long holds from filling the history.
    const shown = phase === 'soaking' || phase === 'analysing' ? (this.s.stepName ?? phase) : phase;
    const stage = `rollout: ${shown}`;
    if (stage !== this.m.stage) {
      this.m.stage = stage;
      this.commands.push({ kind: 'stage', value: stage });
    }
  }

  /** Human controls only record the request; the flow acts on it at its next wait. */
  private control(signal: RolloutSignalName, request: RolloutControl): Taken {
    const s = this.s;
    const effect =
      s.outcome !== 'running'
        ? `ignored: the rollout has ended (${s.outcome})`
        : s.phase === 'promoting' || s.phase === 'rolling-back'
          ? `ignored: already ${s.phase}`
          : this.act(signal, request);
    const record: RolloutControlRecord = { signal, ...request, at: this.at, effect };
    s.controls.push(record);
    this.m.unaudited.push(record);
  }

  private act(signal: RolloutSignalName, request: RolloutControl): string {
    const s = this.s;
    switch (signal) {
      case 'pause':
        if (s.paused) return 'ignored: already paused';
        s.paused = { by: request.by, reason: request.reason, since: this.at };
        return `paused at ${s.stepName ?? 'the start'}`;
      case 'resume':
        if (!s.paused) return 'ignored: not paused';
        s.paused = null;
        return `resumed: ${s.stepName ?? 'the first step'} soaks again before its analysis`;
      case 'promote':
        this.m.requests.promote ??= request;
        return 'promoting the candidate now';
      case 'abort':
        this.m.requests.abort ??= request;
        return 'rolling back to the champion now';
    }
  }

  /** The human control that ends the step, if one came. Abort wins over promote. */
  private requested(where: string): StepEnd | null {
    const byHuman = (kind: StepEnd['kind'], request: RolloutControl): StepEnd => ({
      kind,
      reason: `${kind === 'rollback' ? 'aborted' : 'promoted'} by ${request.by} at ${where}${request.reason ? `: ${request.reason}` : ''}`,
      actor: request.by,
    });
    if (this.m.requests.abort) return byHuman('rollback', this.m.requests.abort);
    if (this.m.requests.promote) return byHuman('promote', this.m.requests.promote);
    return null;
  }

  /** Writes the pending controls to the audit trail one at a time, then goes on. */
  private audit(next: Continuation, compensation = false): Taken {
    const record = this.m.unaudited.shift();
    if (!record) return this.proceed(next);
    this.wait(
      { on: 'audited', next, compensation, drain: true },
      {
        kind: 'audit',
        compensation,
        event: {
          kind: `rollout-${record.signal}`,
          actor: record.by,
          details: { reason: record.reason, effect: record.effect, step: this.s.stepName },
        },
      },
    );
  }

  private proceed(next: Continuation): Taken {
    switch (next.to) {
      case 'before-step':
        return this.beforeStep();
      case 'next-step':
        return this.nextStep();
      case 'after-soak':
        return this.afterSoak(next.elapsed);
      case 'after-hold-wait':
        return this.afterHoldWait(next.woke);
      case 'hold':
        return this.hold();
      case 'finish':
        return this.finish(next.outcome, next.reasons, next.end);
    }
  }

  private begun(championVersion: string | null, blessedBy: string | null): Taken {
    const s = this.s;
    s.championVersion = championVersion;
    s.blessedBy = blessedBy;
    const plan = planRollout({
      championVersion,
      candidateVersion: s.candidateVersion,
      rollout: this.m.settings,
    });
    this.m.plan = plan.steps;
    s.steps = plan.steps.map((step) => ({ name: step.name, soakMs: step.soakMs }));
    if (plan.steps.length === 0) {
      return this.promote(
        `${s.model} had no champion: ${short(s.candidateVersion)} promoted directly`,
        'rollout',
      );
    }
    this.m.cursor.index = 0;
    this.audit({ to: 'before-step' });
  }

  private beforeStep(): Taken {
    const step = this.step;
    const control = this.requested(`before ${step.name}`);
    if (control) return this.end(control);
    this.s.stepIndex = step.index;
    this.s.stepName = step.name;
    this.s.stepStartedAt = null;
    this.s.extensions = 0;
    this.m.flagsTouched = true;
    this.wait(
      { on: 'flags-written' },
      { kind: 'write-flags', state: step.target, reason: `step ${step.name}` },
    );
  }

  private flagsWritten(): Taken {
    const step = this.step;
    const cursor = this.m.cursor;
    this.s.flags = step.target;
    // The window opens when the flags are written; gateways follow within their cache bound, and the
    // analysis counts only this rollout's two versions, so stragglers of the previous state do not count.
    cursor.from = this.at;
    this.s.stepStartedAt = this.at;
    cursor.baselineWindow = step.championBaseline === 'previous-step' ? cursor.previousWindow : null;
    cursor.attempts = 0;
    cursor.openWindow = false;
    // A zero soak: the workflow's clock stands still from the flag write to the analysis, so the
    // analysis closes the window with its own clock (before, every step's first analysis read nothing).
    if (step.soakMs <= 0) {
      return this.checkPatch(ZERO_SOAK_OPEN_WINDOW_PATCH);
    }
    this.soak();
  }

  /** Waits out a soak unless a control comes first. */
  private soak(): Taken {
    const step = this.step;
    if (step.soakMs <= 0) return this.afterSoak(!rolloutWaitOver(this.m, 'interrupt-or-pause'));
    this.s.soakUntil = this.at + step.soakMs;
    this.enter('soaking');
    this.wait(
      { on: 'soak' },
      {
        kind: 'wait',
        until: 'interrupt-or-pause',
        timeoutMs: step.soakMs,
        summary: `soak ${step.name}`,
        mayContinueAsNew: false,
      },
    );
  }

  private afterSoak(elapsed: boolean): Taken {
    const control = this.requested(this.step.name);
    if (control) return this.end(control);
    if (!elapsed) return this.hold();
    const { from, openWindow } = this.m.cursor;
    const closed = { from, to: this.at };
    this.analyse(openWindow ? { from, to: null } : closed, closed, false);
  }

  /** The analysis only reads, so abort or promote abandon it rather than wait for it. */
  private analyse(window: StepWindowSpan, closed: TimeWindow, inHold: boolean): Taken {
    const step = this.step;
    this.enter('analysing');
    this.wait(
      { on: 'analysed', closed, inHold },
      {
        kind: 'analyse',
        step: {
          index: step.index,
          name: step.name,
          championBaseline: step.championBaseline,
          mode: step.target.mode === 'shadow' ? 'shadow' : 'canary',
        },
        window,
        baselineWindow: this.m.cursor.baselineWindow,
      },
    );
  }

  private analysed(result: StepAnalysisResult | null, closed: TimeWindow): Taken {
    if (result === null) return this.soak();
    const step = this.step;
    const cursor = this.m.cursor;
    const s = this.s;
    const window = cursor.openWindow ? (result.window ?? closed) : closed;
    cursor.attempts++;
    const action = nextStepAction({
      verdict: result.verdict,
      stepIndex: step.index,
      stepCount: this.m.plan.length,
      extensionsSoFar: s.extensions,
      rollout: this.m.settings,
    });
    // A pause that came during the analysis holds the step unless the verdict is a failure.
    const effective: StepAction | 'hold' = action !== 'rollback' && s.paused ? 'hold' : action;
    this.record(result, window, effective);
    switch (effective) {
      case 'advance':
      case 'promote':
        return this.passed(window);
      case 'rollback':
        return this.rollBack(`${step.name}: ${result.reasons.join('; ')}`, 'rollout-analysis');
      case 'extend':
        s.extensions++;
        return this.soak();
      case 'pause':
      case 'hold': {
        if (s.paused) return this.hold();
        const reason = `${step.name} still inconclusive after ${s.extensions} extension(s): ${result.reasons.join('; ')}`;
        s.paused = { by: 'rollout-analysis', reason, since: this.at };
        return this.wait(
          { on: 'audited', next: { to: 'hold' }, compensation: false, drain: false },
          {
            kind: 'audit',
            compensation: false,
            event: { kind: 'rollout-pause', actor: 'rollout-analysis', details: { reason, step: step.name } },
          },
        );
      }
    }
  }

  private passed(window: TimeWindow): Taken {
    this.m.cursor.previousWindow = window;
    if (this.lastStep()) {
      if (this.m.requests.abort) return this.checkPatch(CONTROLS_BETWEEN_STEPS_PATCH);
      return this.promoteAll();
    }
    this.audit({ to: 'next-step' });
  }

  private nextStep(): Taken {
    if (this.s.paused && !rolloutWaitOver(this.m, 'interrupt')) {
      return this.checkPatch(CONTROLS_BETWEEN_STEPS_PATCH);
    }
    this.m.cursor.index++;
    this.beforeStep();
  }

  private lastStep(): boolean {
    return this.m.cursor.index + 1 >= this.m.plan.length;
  }

  private promoteAll(): Taken {
    const steps = this.m.plan.map((step) => step.name).join(' → ');
    this.promote(`every step passed its analysis (${steps})`, 'rollout-analysis');
  }

  /** Asks whether a patch applies: rollouts recorded before it keep the path they took. */
  private checkPatch(patch: string): Taken {
    this.wait({ on: 'patch-checked', patch }, { kind: 'check-patch', patch });
  }

  private patchChecked(patch: string, patched: boolean): Taken {
    if (patch === ZERO_SOAK_OPEN_WINDOW_PATCH) {
      this.m.cursor.openWindow = patched;
      return this.soak();
    }
    const last = this.lastStep();
    if (patched) return last ? this.end(this.requested(this.step.name)!) : this.hold();
    if (last) return this.promoteAll();
    this.m.cursor.index++;
    this.beforeStep();
  }

  /**
   * Holds the current step while paused. A soak at a time goes by; each is analysed and a failure still
   * rolls back (pausing stops advancing, not protecting). Ends on resume, promote or abort.
   */
  private hold(): Taken {
    this.enter('paused');
    this.holdWait();
  }

  private holdWait(): Taken {
    const step = this.step;
    this.wait(
      { on: 'hold-wait' },
      {
        kind: 'wait',
        until: 'interrupt-or-resume',
        timeoutMs: step.soakMs > 0 ? step.soakMs : null,
        summary: step.soakMs > 0 ? `paused at ${step.name}` : null,
        mayContinueAsNew: true,
      },
    );
  }

  private afterHoldWait(woke: boolean): Taken {
    const control = this.requested(this.step.name);
    if (control) return this.end(control);
    if (this.s.paused === null) {
      this.s.extensions = 0;
      return this.soak();
    }
    if (woke) return this.holdWait();
    const window = { from: this.m.cursor.from, to: this.at };
    this.analyse(window, window, true);
  }

  private analysedInHold(result: StepAnalysisResult | null, window: TimeWindow): Taken {
    if (result === null) return this.holdWait();
    this.m.cursor.attempts++;
    const failed = result.verdict === 'failure';
    this.record(result, window, failed ? 'rollback' : 'hold');
    if (failed) return this.rollBack(`${this.step.name}: ${result.reasons.join('; ')}`, 'rollout-analysis');
    this.enter('paused');
    this.holdWait();
  }

  private record(result: StepAnalysisResult, window: TimeWindow, action: StepAction | 'hold'): Taken {
    const step = this.step;
    this.s.analyses.push({
      stepIndex: step.index,
      stepName: step.name,
      attempt: this.m.cursor.attempts,
      at: this.at,
      window,
      baselineWindow: this.m.cursor.baselineWindow,
      verdict: result.verdict,
      action,
      reasons: result.reasons,
      notes: result.notes,
      checks: result.checks,
      figures: result.figures,
    });
    if (this.s.analyses.length > MAX_ANALYSES_KEPT) this.s.analyses.shift();
    this.commands.push({
      kind: 'log',
      level: 'info',
      message: 'rollout step analysed',
      fields: {
        model: this.s.model,
        step: step.name,
        verdict: result.verdict,
        action,
        reasons: result.reasons,
      },
    });
  }

  private end(end: StepEnd): Taken {
    if (end.kind === 'rollback') this.rollBack(end.reason, end.actor);
    else this.promote(end.reason, end.actor);
  }

  /** A promotion once decided does not stop half-way: the effect retries until the stores answer. */
  private promote(reason: string, actor: string): Taken {
    this.enter('promoting');
    this.m.flagsTouched = true;
    this.wait({ on: 'completed', reason }, { kind: 'complete', reason, actor });
  }

  private rollBack(reason: string, actor: string): Taken {
    this.restoreChampion(reason, actor, {
      to: 'finish',
      outcome: 'rolled-back',
      reasons: [reason],
      end: 'return',
    });
  }

  /** The compensation: champion-only flags, retried until they land, then the pending audits. */
  private restoreChampion(reason: string, actor: string, next: Continuation): Taken {
    this.enter('rolling-back');
    this.wait({ on: 'restored', next }, { kind: 'restore', reason, actor });
  }

  private finish(outcome: RolloutOutcome, reasons: string[], end: 'return' | 'rethrow'): Taken {
    const s = this.s;
    s.outcome = outcome;
    s.reasons = reasons;
    s.endedAt = this.at;
    s.soakUntil = null;
    this.commands.push({ kind: 'outcome', value: outcome });
    this.enter('finished');
    this.wait({ on: 'ended' }, { kind: end });
  }

  /** An effect failed or the rollout was cancelled: the champion alone again, then the error ends it. */
  private fail(reason: string, cancelled: boolean): Taken {
    if (this.m.failing || this.m.pending.on === 'ended') {
      return this.wait({ on: 'ended' }, { kind: 'rethrow' });
    }
    this.m.failing = true;
    this.commands.push({
      kind: 'log',
      level: 'error',
      message: 'rollout ended early',
      fields: { model: this.s.model, reason, restoring: this.m.flagsTouched },
    });
    const next: Continuation = {
      to: 'finish',
      outcome: cancelled ? 'cancelled' : 'failed',
      reasons: [reason],
      end: 'rethrow',
    };
    // Nothing to undo when no flag was written (e.g. the candidate was refused at the start).
    if (this.m.flagsTouched) return this.restoreChampion(reason, 'rollout', next);
    this.proceed(next);
  }
}

export function short(id: string | null): string {
  return id ? id.slice(0, 16) : 'none';
}
