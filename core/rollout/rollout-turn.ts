import {
  CONTROLS_BETWEEN_STEPS_PATCH,
  type Continuation,
  carryRolloutMachine,
  MAX_ANALYSES_KEPT,
  type Pending,
  type RolloutCommand,
  type RolloutEffect,
  type RolloutEvent,
  type RolloutMachine,
  rolloutWaitOver,
  type StepAnalysisResult,
  type StepWindowSpan,
  short,
  ZERO_SOAK_OPEN_WINDOW_PATCH,
} from './rollout-machine-state.ts';
import { nextStepAction, planRollout, type RolloutStep, type StepAction } from './rollout-plan.ts';
import { CHAMPION_ONLY } from './rollout-state.ts';
import type {
  RolloutControl,
  RolloutControlRecord,
  RolloutOutcome,
  RolloutPhase,
  RolloutSignalName,
  RolloutStatus,
  TimeWindow,
} from './rollout-status.ts';

/** One turn of the rollout machine: the old flow's steps, each ending in the effect it waits on. */
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

export class Turn {
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
