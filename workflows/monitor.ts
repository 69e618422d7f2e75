import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ModelCycleState,
  MonitorActivities,
  ObserveModelResult,
} from '../activities/monitor/contracts.ts';
import { parseCycleConfig } from '../core/cycle/cycle-config.ts';
import { type MonitorPolicy, parseMonitorPolicy } from '../core/monitor/monitor-policy.ts';
import {
  initialMonitorState,
  type MonitorState,
  noStreaks,
  noteCycleEnded,
  noteCycleStarted,
} from '../core/monitor/monitor-state.ts';
import { evaluateMonitorCheck } from '../core/monitor/trigger-policy.ts';
import { formatDuration } from '../core/time/duration.ts';
import { rootMessage } from './failure-cause.ts';
import {
  configureMonitorUpdate,
  type MonitorCarry,
  type MonitorCheck,
  type MonitorInput,
  type MonitorPhase,
  type MonitorRequest,
  type MonitorStatus,
  type MonitorTrigger,
  monitorStatusQuery,
  pauseMonitorSignal,
  resumeMonitorSignal,
  triggerNowSignal,
} from './monitor-messages.ts';
import { MODEL, STAGE } from './search-attributes.ts';

/** Checks per run before continue-as-new: about 1,600 history events, two days at the default interval. */
export const DEFAULT_CHECKS_PER_RUN = 200;
const RECENT_CHECKS = 12;
const RECENT_TRIGGERS = 10;

const { observeModel } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
});
const { startNextCycle } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
});

/**
 * The per-model monitor: every `policy.checkEvery` it reads the champion's recent traffic against a
 * reference window, the feedback error rate and the edge-case backlog (observeModel), lets the trigger
 * policy (core/monitor) decide, and starts the next cycle through the typed client's numbering when
 * the policy says so — never while a cycle of the model runs, whoever started it. Long-lived: it
 * continues as new every `checksPerRun` checks (or when Temporal suggests it), carrying its state.
 */
export async function monitor(input: MonitorInput): Promise<void> {
  let policy = parsePolicy(input.policy);
  const cycleConfig = parseCycleConfig(input.cycleConfig ?? {});
  if (!cycleConfig.ok) {
    throw ApplicationFailure.nonRetryable(
      `invalid cycle config: ${cycleConfig.errors.join('; ')}`,
      'InvalidCycleConfig',
    );
  }
  const { mining, autoLabel } = cycleConfig.config;
  const checksPerRun = input.checksPerRun ?? DEFAULT_CHECKS_PER_RUN;
  const carried = input.carried;
  let state: MonitorState = carried?.state ?? initialMonitorState();
  let paused = carried?.paused ?? false;
  const recent: MonitorCheck[] = [...(carried?.recent ?? [])];
  const triggers: MonitorTrigger[] = [...(carried?.triggers ?? [])];
  const requests: MonitorRequest[] = [...(carried?.requests ?? [])];
  const runs = (carried?.runs ?? 0) + 1;
  const since = carried?.since ?? Date.now();
  let checksThisRun = 0;
  let lastCheckAt: number | null = null;
  let nextCheckAt = Date.now();
  let reconsider = false;

  const phase = (): MonitorPhase => {
    if (paused) return 'paused';
    if (state.cycleRunning) return 'cycle-running';
    if (state.lastCycleEndedAt !== null && Date.now() - state.lastCycleEndedAt < policy.cooldown)
      return 'cooldown';
    return 'watching';
  };
  const status = (): MonitorStatus => ({
    model: input.model,
    policy,
    paused,
    phase: phase(),
    checks: state.checks,
    checksThisRun,
    runs,
    since,
    nextCheckAt: paused ? null : nextCheckAt,
    referenceChampion: state.referenceChampion,
    reference: state.reference
      ? (({ confidenceSketch: _c, textLengthSketch: _t, ...rest }) => rest)(state.reference)
      : null,
    streaks: state.streaks,
    cycleRunning: state.cycleRunning,
    lastTriggerAt: state.lastTriggerAt,
    lastCycleEndedAt: state.lastCycleEndedAt,
    recent,
    triggers,
    pendingRequests: requests,
  });

  setHandler(monitorStatusQuery, status);
  setHandler(pauseMonitorSignal, (request) => {
    paused = true;
    reconsider = true;
    log.info('monitor paused', { model: input.model, ...clean(request) });
    showDetails();
  });
  setHandler(resumeMonitorSignal, (request) => {
    if (!paused) return;
    paused = false;
    nextCheckAt = Date.now();
    reconsider = true;
    log.info('monitor resumed', { model: input.model, ...clean(request) });
  });
  setHandler(triggerNowSignal, (request) => {
    requests.push(clean(request));
  });
  setHandler(
    configureMonitorUpdate,
    (changes) => {
      policy = parsePolicy({ ...policy, ...(changes as object) });
      // The interval may have changed: work out the next check again.
      nextCheckAt = (lastCheckAt ?? Date.now()) + policy.checkEvery;
      reconsider = true;
      return policy;
    },
    {
      validator: (changes) => {
        if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
          throw new Error('policy changes must be an object of policy fields');
        }
        const parsed = parseMonitorPolicy({ ...policy, ...changes });
        if (!parsed.ok) throw new Error(`invalid monitor policy: ${parsed.errors.join('; ')}`);
      },
    },
  );

  let shownPhase: MonitorPhase | null = null;
  const showDetails = () => {
    const now = phase();
    if (now !== shownPhase) {
      upsertSearchAttributes([
        { key: MODEL, value: input.model },
        { key: STAGE, value: now },
      ]);
      shownPhase = now;
    }
    setCurrentDetails(details(status()));
  };
  showDetails();

  for (;;) {
    reconsider = false;
    if (paused) await condition(() => reconsider || requests.length > 0);
    else if (nextCheckAt > Date.now()) {
      await condition(() => reconsider || requests.length > 0, nextCheckAt - Date.now());
    }
    // Woken early by a pause, resume or policy change: wait again with the new plan.
    if (requests.length === 0 && (paused || nextCheckAt > Date.now())) continue;

    await check();
    checksThisRun++;
    lastCheckAt = Date.now();
    nextCheckAt = lastCheckAt + policy.checkEvery;
    showDetails();

    if (checksThisRun >= checksPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      const carry: MonitorCarry = { state, paused, recent, triggers, requests, runs, since };
      await continueAsNew<typeof monitor>({ ...input, policy, carried: carry });
    }
  }

  async function check(): Promise<void> {
    const at = Date.now();
    let observed: ObserveModelResult;
    try {
      observed = await observeModel({ model: input.model, at, window: policy.window, mining, autoLabel });
    } catch (error) {
      if (isCancellation(error)) throw error;
      // A failed check is a gap in the figures, not the end of the monitor.
      const message = rootMessage(error);
      log.warn('monitor check failed', { model: input.model, error: message });
      remember(recent, RECENT_CHECKS, {
        at,
        championVersion: state.referenceChampion,
        predictions: 0,
        backlog: null,
        readings: [],
        streaks: state.streaks,
        reasons: [`check failed: ${message}`],
        outcome: 'failed',
      });
      return;
    }
    state = withCycles(state, observed.cycles);
    const decision = evaluateMonitorCheck(
      state,
      {
        at,
        championVersion: observed.championVersion,
        window: observed.window,
        backlog: observed.backlog.count,
      },
      policy,
    );
    state = decision.state;
    const reasons = [...decision.reasons];
    let outcome: MonitorCheck['outcome'] = decision.trigger
      ? 'triggered'
      : decision.signals.length > 0
        ? 'held-back'
        : Object.values(state.streaks).some((n) => n > 0)
          ? 'building'
          : 'quiet';

    if (decision.trigger) {
      const served = requests.splice(0);
      if (served.length > 0) reasons.push(`(also requested by ${served.map(requester).join(', ')})`);
      await start({
        at,
        by: 'policy',
        trigger: `monitor: ${decision.signals.join(', ')}`,
        reasons: decision.reasons,
      });
    } else if (requests.length > 0) {
      const served = requests.splice(0);
      const who = served.map(requester).join(', ');
      const why = served.flatMap((r) => (r.reason ? [r.reason] : []));
      if (state.cycleRunning) {
        reasons.push(`trigger requested by ${who}: refused, a cycle is running`);
        remember(triggers, RECENT_TRIGGERS, {
          at,
          by: 'request',
          trigger: `monitor: requested by ${who}`,
          reasons: why,
          result: { started: false, reason: 'a cycle is running', running: null },
        });
      } else {
        state = { ...state, lastTriggerAt: at, cycleRunning: true, streaks: noStreaks() };
        reasons.push(`trigger requested by ${who}`);
        outcome = 'triggered';
        await start({
          at,
          by: 'request',
          trigger: `monitor: requested by ${who}`,
          reasons: [`requested by ${who}${why.length ? `: ${why.join('; ')}` : ''}`, ...decision.reasons],
        });
      }
    }
    remember(recent, RECENT_CHECKS, {
      at,
      championVersion: observed.championVersion,
      predictions: observed.window.predictions,
      backlog: observed.backlog,
      readings: decision.readings,
      streaks: { ...state.streaks },
      reasons,
      outcome,
    });
  }

  async function start(attempt: Omit<MonitorTrigger, 'result'>): Promise<void> {
    let result: MonitorTrigger['result'];
    try {
      result = await startNextCycle({
        model: input.model,
        trigger: attempt.trigger,
        reasons: attempt.reasons,
        config: input.cycleConfig ?? {},
        requestId: `${workflowInfo().workflowId}/check-${state.checks}`,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      result = { started: false, reason: `could not start a cycle: ${rootMessage(error)}`, running: null };
    }
    // Not started because another cycle runs: it counts as running. Not started at all: nothing runs.
    if (!result.started) state = { ...state, cycleRunning: result.running !== null };
    log.info('monitor trigger', { model: input.model, trigger: attempt.trigger, result });
    remember(triggers, RECENT_TRIGGERS, { ...attempt, result });
  }
}

/**
 * Folds what Temporal says about the model's cycles into the state: a running cycle (started by this
 * monitor, the CLI or a schedule) holds triggers back; an end newer than the last one seen starts the
 * cooldown and clears the streaks.
 */
function withCycles(state: MonitorState, cycles: ModelCycleState): MonitorState {
  if (cycles.running) return state.cycleRunning ? state : noteCycleStarted(state);
  const ended = cycles.lastEnded;
  if (ended && (state.lastCycleEndedAt === null || ended.endedAt > state.lastCycleEndedAt)) {
    // The end of a cycle triggered after it ended cannot be this one: visibility has not caught up.
    if (state.cycleRunning && state.lastTriggerAt !== null && ended.endedAt < state.lastTriggerAt) {
      return { ...state, lastCycleEndedAt: ended.endedAt };
    }
    return noteCycleEnded(state, ended.endedAt);
  }
  return state;
}

function parsePolicy(input: unknown): MonitorPolicy {
  const parsed = parseMonitorPolicy(input ?? {});
  if (!parsed.ok) {
    throw ApplicationFailure.nonRetryable(
      `invalid monitor policy: ${parsed.errors.join('; ')}`,
      'InvalidMonitorPolicy',
    );
  }
  return parsed.policy;
}

function remember<T>(list: T[], keep: number, item: T): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}

/** Signal payloads come from anywhere: keep two short strings, drop the rest. */
function clean(request: MonitorRequest | undefined): MonitorRequest {
  const text = (value: unknown) =>
    typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : undefined;
  const by = text(request?.by);
  const reason = text(request?.reason);
  return { ...(by ? { by } : {}), ...(reason ? { reason } : {}) };
}

function requester(request: MonitorRequest): string {
  return request.by ?? 'someone';
}

/** The monitor at a glance, for the Temporal UI's current details (markdown). */
function details(status: MonitorStatus): string {
  const last = status.recent.at(-1);
  const lines = [
    `**${status.model}** monitor — ${status.phase}, ${status.checks} checks, every ${formatDuration(status.policy.checkEvery)} over ${formatDuration(status.policy.window)}`,
    `reference: ${status.reference ? `${status.reference.predictions} predictions of ${status.referenceChampion}` : 'none yet'}`,
  ];
  if (last) {
    lines.push(
      `last check (${last.outcome}): ${last.predictions} predictions, backlog ${last.backlog?.count ?? '-'}`,
    );
    for (const reading of last.readings) {
      const streak = status.streaks[reading.signal];
      const mark = reading.fired ? 'FIRED' : reading.judged ? 'ok' : '-';
      lines.push(`- ${mark} ${reading.detail}${streak ? ` (${streak} in a row)` : ''}`);
    }
    for (const reason of last.reasons) lines.push(`> ${reason}`);
  }
  const trigger = status.triggers.at(-1);
  if (trigger) {
    const result = trigger.result.started
      ? `started cycle ${trigger.result.number}`
      : `not started: ${trigger.result.reason}`;
    lines.push(`last trigger: ${trigger.trigger} — ${result}`);
  }
  return lines.join('\n');
}
