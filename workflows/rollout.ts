import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  AnalyseStepResult,
  OpenTimeWindow,
  RolloutActivities,
  RolloutRef,
  TimeWindow,
} from '../activities/rollout/contracts.ts';
import { type CycleConfig, parseCycleConfig } from '../core/cycle/cycle-config.ts';
import {
  nextStepAction,
  planRollout,
  type RolloutStep,
  type StepAction,
} from '../core/rollout/rollout-plan.ts';
import { CHAMPION_ONLY, type RolloutState } from '../core/rollout/rollout-state.ts';
import { rootMessage } from './failure-cause.ts';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  type RolloutAnalysisRecord,
  type RolloutControl,
  type RolloutControlRecord,
  type RolloutInput,
  type RolloutOutcome,
  type RolloutPhase,
  type RolloutResult,
  type RolloutSignalName,
  type RolloutStatus,
  readControl,
  resumeRolloutSignal,
  rolloutStatusQuery,
} from './rollout-messages.ts';
import { CYCLE_NUMBER, MODEL, OUTCOME, STAGE, TRIGGER } from './search-attributes.ts';

const MAX_ANALYSES_KEPT = 50;

/** How a step ended: passed its analysis (with the window it was judged on), or the rollout ends. */
type StepEnd =
  | { kind: 'passed'; window: TimeWindow }
  | { kind: 'rollback' | 'promote'; reason: string; actor: string };

/**
 * The staged rollout of a candidate: for each step of the plan, write the flags, soak, analyse the
 * traffic captured in the step's window and act on the verdict (advance, extend, pause, roll back).
 * After the last step passes, the candidate becomes the champion. Humans steer it with signals (pause,
 * resume, promote, abort). Whatever ends it other than promotion (failed analysis, abort, an error, a
 * cancellation) leaves the champion serving alone: the flag writes that do so cannot be cancelled.
 */
export async function rollout(input: RolloutInput): Promise<RolloutResult> {
  const parsed = parseCycleConfig(input.config ?? {});
  if (!parsed.ok) {
    throw ApplicationFailure.nonRetryable(
      `invalid rollout config: ${parsed.errors.join('; ')}`,
      'InvalidRolloutConfig',
    );
  }
  const config = parsed.config;
  const settings = config.rollout;
  const info = workflowInfo();
  const ref: RolloutRef = {
    rolloutId: `${info.workflowId}/${info.runId}`,
    model: input.model,
    cycleId: input.cycleId ?? null,
  };
  const status: RolloutStatus = {
    rolloutId: ref.rolloutId,
    model: input.model,
    cycleId: ref.cycleId,
    trigger: input.trigger,
    championVersion: null,
    candidateVersion: input.candidateVersion,
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
    startedAt: Date.now(),
    endedAt: null,
  };
  upsertSearchAttributes([
    { key: MODEL, value: input.model },
    { key: TRIGGER, value: input.trigger },
    { key: OUTCOME, value: 'running' },
    ...(input.cycleNumber ? [{ key: CYCLE_NUMBER, value: input.cycleNumber }] : []),
  ]);

  // Human controls. Handlers only record the request; the main flow acts on it at its next wait.
  let abortRequest: RolloutControl | null = null;
  let promoteRequest: RolloutControl | null = null;
  const unaudited: RolloutControlRecord[] = [];
  const control = (signal: RolloutSignalName, payload: unknown, act: (c: RolloutControl) => string) => {
    const request = readControl(payload);
    const effect =
      status.outcome !== 'running'
        ? `ignored: the rollout has ended (${status.outcome})`
        : status.phase === 'promoting' || status.phase === 'rolling-back'
          ? `ignored: already ${status.phase}`
          : act(request);
    const record: RolloutControlRecord = { signal, ...request, at: Date.now(), effect };
    status.controls.push(record);
    unaudited.push(record);
    describe();
  };
  setHandler(pauseRolloutSignal, (payload) =>
    control('pause', payload, (request) => {
      if (status.paused) return 'ignored: already paused';
      status.paused = { by: request.by, reason: request.reason, since: Date.now() };
      return `paused at ${status.stepName ?? 'the start'}`;
    }),
  );
  setHandler(resumeRolloutSignal, (payload) =>
    control('resume', payload, () => {
      if (!status.paused) return 'ignored: not paused';
      status.paused = null;
      return `resumed: ${status.stepName ?? 'the first step'} soaks again before its analysis`;
    }),
  );
  setHandler(promoteRolloutSignal, (payload) =>
    control('promote', payload, (request) => {
      promoteRequest ??= request;
      return 'promoting the candidate now';
    }),
  );
  setHandler(abortRolloutSignal, (payload) =>
    control('abort', payload, (request) => {
      abortRequest ??= request;
      return 'rolling back to the champion now';
    }),
  );
  setHandler(rolloutStatusQuery, () => status);

  const activities = rolloutActivities(config);
  /** Set before the first flag write: from then on an early end must restore the champion. */
  let flagsTouched = false;
  const interrupted = () => abortRequest !== null || promoteRequest !== null;

  function describe(): void {
    const head = `**${input.model}** rollout of ${short(input.candidateVersion)} against ${short(status.championVersion)}`;
    const step =
      status.stepIndex === null
        ? ''
        : ` — ${status.stepName} (step ${status.stepIndex + 1} of ${status.steps.length})`;
    const lines = [
      `${head}${step}: ${status.phase}${status.outcome === 'running' ? '' : `, ${status.outcome}`}`,
    ];
    if (status.paused) {
      lines.push(`paused by ${status.paused.by}${status.paused.reason ? `: ${status.paused.reason}` : ''}`);
    }
    if (status.soakUntil !== null) lines.push(`soaking until ${new Date(status.soakUntil).toISOString()}`);
    const last = status.analyses.at(-1);
    if (last) {
      const notes = last.notes.length ? ` (notes: ${last.notes.join('; ')})` : '';
      lines.push(
        `last analysis (${last.stepName} #${last.attempt}): **${last.verdict}** → ${last.action}: ${last.reasons.join('; ')}${notes}`,
      );
    }
    if (status.reasons.length) lines.push(`ended: ${status.reasons.join('; ')}`);
    if (status.outcome === 'running') {
      lines.push('signals: pause | resume | promote | abort, payload {"by": "you", "reason": "why"}');
    }
    setCurrentDetails(lines.join('\n\n'));
  }

  let stage = '';
  function enter(phase: RolloutPhase): void {
    status.phase = phase;
    // The search attribute names the step (what on-call filters by), so soaking and analysing share it;
    // it is written only when it changes, which keeps long holds from filling the history.
    const next = `rollout: ${phase === 'soaking' || phase === 'analysing' ? (status.stepName ?? phase) : phase}`;
    if (next !== stage) {
      stage = next;
      upsertSearchAttributes([{ key: STAGE, value: stage }]);
    }
    describe();
  }

  async function auditControls(): Promise<void> {
    while (unaudited.length > 0) {
      const record = unaudited.shift()!;
      await activities.main.recordRolloutEvent({
        ...ref,
        kind: `rollout-${record.signal}`,
        actor: record.by,
        details: { reason: record.reason, effect: record.effect, step: status.stepName },
      });
    }
  }

  /** Flag writes are never cancelled half-way: a late write must not land after the compensation's. */
  async function writeFlags(state: RolloutState, reason: string): Promise<void> {
    flagsTouched = true;
    await CancellationScope.nonCancellable(() =>
      activities.main.setRolloutFlags({ ...ref, state, reason, actor: 'rollout' }),
    );
    status.flags = state;
  }

  async function finish(outcome: RolloutOutcome, reasons: string[]): Promise<RolloutResult> {
    status.outcome = outcome;
    status.reasons = reasons;
    status.endedAt = Date.now();
    status.soakUntil = null;
    upsertSearchAttributes([{ key: OUTCOME, value: outcome }]);
    enter('finished');
    return status;
  }

  async function promote(reason: string, actor: string): Promise<RolloutResult> {
    enter('promoting');
    flagsTouched = true;
    await CancellationScope.nonCancellable(() =>
      activities.compensation.completeRollout({
        ...ref,
        championVersion: status.championVersion,
        candidateVersion: input.candidateVersion,
        reason,
        actor,
      }),
    );
    status.flags = CHAMPION_ONLY(input.candidateVersion);
    await CancellationScope.nonCancellable(auditControls);
    return finish('promoted', [reason]);
  }

  /** The compensation: retried until it succeeds, and not cancellable. */
  async function restoreChampion(reason: string, actor: string): Promise<void> {
    enter('rolling-back');
    await CancellationScope.nonCancellable(async () => {
      await activities.compensation.restoreChampion({
        ...ref,
        championVersion: status.championVersion,
        candidateVersion: input.candidateVersion,
        reason,
        actor,
      });
      status.flags = CHAMPION_ONLY(status.championVersion);
      await auditControls();
    });
  }

  async function rollBack(reason: string, actor: string): Promise<RolloutResult> {
    await restoreChampion(reason, actor);
    return finish('rolled-back', [reason]);
  }

  function byHuman(kind: 'rollback' | 'promote', request: RolloutControl, at: string): StepEnd {
    const verb = kind === 'rollback' ? 'aborted' : 'promoted';
    return {
      kind,
      reason: `${verb} by ${request.by} at ${at}${request.reason ? `: ${request.reason}` : ''}`,
      actor: request.by,
    };
  }

  /** The human control that ends the step, if one came. Abort wins over promote. */
  function requested(at: string): StepEnd | null {
    if (abortRequest) return byHuman('rollback', abortRequest, at);
    if (promoteRequest) return byHuman('promote', promoteRequest, at);
    return null;
  }

  /** Waits out a soak unless a control comes first; true when the soak ran its course. */
  async function soak(step: RolloutStep): Promise<boolean> {
    const stop = () => interrupted() || status.paused !== null;
    if (step.soakMs <= 0) return !stop();
    status.soakUntil = Date.now() + step.soakMs;
    enter('soaking');
    const woke = await condition(stop, step.soakMs, { summary: `soak ${step.name}` });
    status.soakUntil = null;
    await auditControls();
    return !woke;
  }

  /**
   * Runs the step's analysis unless abort or promote comes first: the analysis only reads, so it is
   * abandoned rather than waited for. Null when a control interrupted it.
   */
  async function analyse(
    step: RolloutStep,
    window: TimeWindow | OpenTimeWindow,
    baselineWindow: TimeWindow | null,
  ): Promise<AnalyseStepResult | null> {
    enter('analysing');
    const analysisScope = new CancellationScope();
    const watchScope = new CancellationScope();
    const analysis = analysisScope.run(() =>
      activities.analysis.analyseRolloutStep({
        ...ref,
        step: {
          index: step.index,
          name: step.name,
          championBaseline: step.championBaseline,
          mode: step.target.mode === 'shadow' ? 'shadow' : 'canary',
        },
        championVersion: status.championVersion!,
        candidateVersion: input.candidateVersion,
        window,
        baselineWindow,
        rollout: settings,
      }),
    );
    const watch = watchScope.run(() => condition(interrupted));
    try {
      const first = await Promise.race([analysis, watch.then(() => null)]);
      if (first === null) analysisScope.cancel();
      return first;
    } finally {
      watchScope.cancel();
      analysis.catch(() => {});
      watch.catch(() => {});
    }
  }

  function record(
    step: RolloutStep,
    attempt: number,
    result: AnalyseStepResult,
    window: TimeWindow,
    baselineWindow: TimeWindow | null,
    action: StepAction | 'hold',
  ): void {
    const entry: RolloutAnalysisRecord = {
      stepIndex: step.index,
      stepName: step.name,
      attempt,
      at: Date.now(),
      window,
      baselineWindow,
      verdict: result.verdict,
      action,
      reasons: result.reasons,
      notes: result.notes,
      checks: result.checks,
      figures: result.figures,
    };
    status.analyses.push(entry);
    if (status.analyses.length > MAX_ANALYSES_KEPT) status.analyses.shift();
    log.info('rollout step analysed', {
      model: input.model,
      step: step.name,
      verdict: result.verdict,
      action,
      reasons: result.reasons,
    });
    describe();
  }

  /**
   * Holds the current step while paused. A soak at a time goes by; each is analysed and a failure still
   * rolls back (pausing stops advancing, not protecting). Ends on resume, promote or abort.
   */
  async function hold(
    step: RolloutStep,
    from: number,
    baselineWindow: TimeWindow | null,
    attempts: { count: number },
  ): Promise<StepEnd | 'resumed'> {
    enter('paused');
    for (;;) {
      const wake = () => interrupted() || status.paused === null;
      let woke = true;
      if (step.soakMs > 0) woke = await condition(wake, step.soakMs, { summary: `paused at ${step.name}` });
      else await condition(wake);
      await auditControls();
      const control = requested(step.name);
      if (control) return control;
      if (status.paused === null) {
        status.extensions = 0;
        return 'resumed';
      }
      if (woke) continue;
      const window = { from, to: Date.now() };
      const result = await analyse(step, window, baselineWindow);
      if (result === null) continue;
      attempts.count++;
      const failed = result.verdict === 'failure';
      record(step, attempts.count, result, window, baselineWindow, failed ? 'rollback' : 'hold');
      if (failed)
        return {
          kind: 'rollback',
          reason: `${step.name}: ${result.reasons.join('; ')}`,
          actor: 'rollout-analysis',
        };
      enter('paused');
    }
  }

  async function runStep(step: RolloutStep, previousWindow: TimeWindow | null): Promise<StepEnd> {
    status.stepIndex = step.index;
    status.stepName = step.name;
    status.stepStartedAt = null;
    status.extensions = 0;
    await writeFlags(step.target, `step ${step.name}`);
    // The window opens when the flags are written; gateways follow within their cache bound, and the
    // analysis counts only this rollout's two versions, so stragglers of the previous state do not count.
    const from = Date.now();
    status.stepStartedAt = from;
    const baselineWindow = step.championBaseline === 'previous-step' ? previousWindow : null;
    // A zero soak: the workflow's clock stands still from the flag write to the analysis, so the
    // analysis closes the window with its own clock (before, every step's first analysis read nothing).
    const openWindow = step.soakMs <= 0 && patched('rollout-zero-soak-open-window');
    const attempts = { count: 0 };
    for (;;) {
      const elapsed = await soak(step);
      const control = requested(step.name);
      if (control) return control;
      if (!elapsed) {
        const held = await hold(step, from, baselineWindow, attempts);
        if (held === 'resumed') continue;
        return held;
      }
      const closed = { from, to: Date.now() };
      const result = await analyse(step, openWindow ? { from, to: null } : closed, baselineWindow);
      if (result === null) continue;
      const window = openWindow ? (result.window ?? closed) : closed;
      attempts.count++;
      const action = nextStepAction({
        verdict: result.verdict,
        stepIndex: step.index,
        stepCount: status.steps.length,
        extensionsSoFar: status.extensions,
        rollout: settings,
      });
      // A pause that came during the analysis holds the step unless the verdict is a failure.
      const effective: StepAction | 'hold' = action !== 'rollback' && status.paused ? 'hold' : action;
      record(step, attempts.count, result, window, baselineWindow, effective);
      switch (effective) {
        case 'advance':
        case 'promote':
          return { kind: 'passed', window };
        case 'rollback':
          return {
            kind: 'rollback',
            reason: `${step.name}: ${result.reasons.join('; ')}`,
            actor: 'rollout-analysis',
          };
        case 'extend':
          status.extensions++;
          continue;
        case 'pause':
        case 'hold': {
          if (!status.paused) {
            status.paused = {
              by: 'rollout-analysis',
              reason: `${step.name} still inconclusive after ${status.extensions} extension(s): ${result.reasons.join('; ')}`,
              since: Date.now(),
            };
            await activities.main.recordRolloutEvent({
              ...ref,
              kind: 'rollout-pause',
              actor: 'rollout-analysis',
              details: { reason: status.paused.reason, step: step.name },
            });
          }
          const held = await hold(step, from, baselineWindow, attempts);
          if (held === 'resumed') continue;
          return held;
        }
      }
    }
  }

  try {
    enter('starting');
    const begun = await activities.main.beginRollout({
      ...ref,
      candidateVersion: input.candidateVersion,
      allowUnblessed: input.allowUnblessed ?? false,
      trigger: input.trigger,
      steps: settings.steps.map(String),
    });
    status.championVersion = begun.championVersion;
    status.blessedBy = begun.blessedBy;
    const plan = planRollout({
      championVersion: begun.championVersion,
      candidateVersion: input.candidateVersion,
      rollout: settings,
    });
    status.steps = plan.steps.map((step) => ({ name: step.name, soakMs: step.soakMs }));
    describe();
    if (plan.steps.length === 0) {
      return await promote(
        `${input.model} had no champion: ${short(input.candidateVersion)} promoted directly`,
        'rollout',
      );
    }

    let previousWindow: TimeWindow | null = null;
    for (const step of plan.steps) {
      await auditControls();
      const control = requested(`before ${step.name}`);
      const end: StepEnd = control ?? (await runStep(step, previousWindow));
      if (end.kind !== 'passed') {
        return end.kind === 'rollback'
          ? await rollBack(end.reason, end.actor)
          : await promote(end.reason, end.actor);
      }
      previousWindow = end.window;
    }
    const steps = plan.steps.map((step) => step.name).join(' → ');
    return await promote(`every step passed its analysis (${steps})`, 'rollout-analysis');
  } catch (error) {
    const cancelled = isCancellation(error);
    const reason = cancelled ? 'rollout cancelled' : `rollout failed: ${rootMessage(error)}`;
    log.error('rollout ended early', { model: input.model, reason, restoring: flagsTouched });
    // Nothing to undo when no flag was written (e.g. the candidate was refused at the start).
    if (flagsTouched) await restoreChampion(reason, 'rollout');
    await finish(cancelled ? 'cancelled' : 'failed', [reason]);
    throw error;
  }
}

/** Proxies by job: the analysis can be abandoned; compensation and promotion retry without limit. */
function rolloutActivities(config: CycleConfig) {
  const timeouts = {
    startToCloseTimeout: config.activities.default.startToClose,
    heartbeatTimeout: config.activities.default.heartbeat,
  };
  const retry = { ...config.activities.retry, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] };
  return {
    main: proxyActivities<RolloutActivities>({ ...timeouts, retry }),
    analysis: proxyActivities<RolloutActivities>({
      ...timeouts,
      retry,
      cancellationType: ActivityCancellationType.ABANDON,
    }),
    // Production must never stay on a half-rolled candidate, and a promotion once decided must not stop
    // half-way (aliases moved, flags not): both retry until the stores answer (no attempt limit).
    compensation: proxyActivities<RolloutActivities>({
      ...timeouts,
      retry: {
        initialInterval: config.activities.retry.initialInterval,
        backoffCoefficient: config.activities.retry.backoffCoefficient,
        maximumInterval: config.activities.retry.maximumInterval,
      },
    }),
  };
}

function short(id: string | null): string {
  return id ? id.slice(0, 16) : 'none';
}
