import { formatDuration } from '../time/duration.ts';
import type { MonitorPolicy } from './monitor-policy.ts';
import { type MonitorSignal, type MonitorState, noStreaks } from './monitor-state.ts';
import { readSignals, type SignalReading } from './signal-readings.ts';
import type { WindowSummary } from './window-summary.ts';

export interface MonitorObservation {
  /** When the check ran (ms), from the workflow clock. */
  at: number;
  /** The champion serving the window; a change starts a new reference. */
  championVersion: string | null;
  window: WindowSummary;
  /** Edge cases mined from the capture since the last cycle's watermark. */
  backlog: number;
}

export interface MonitorDecision {
  /** Start a cycle now. The new state already counts it as running: call noteCycleEnded when it ends. */
  trigger: boolean;
  /** The signals that persisted long enough to trigger (whether or not a running cycle or the cooldown held them back). */
  signals: MonitorSignal[];
  reasons: string[];
  readings: SignalReading[];
  state: MonitorState;
}

/**
 * One monitor check. Signals must persist over `policy.persistence` consecutive checks (the backlog
 * excepted); then a cycle is triggered unless one is running or the cooldown after the last one has
 * not passed. Triggering clears the streaks, so the next cycle needs fresh evidence.
 */
export function evaluateMonitorCheck(
  previous: MonitorState,
  observation: MonitorObservation,
  policy: MonitorPolicy,
): MonitorDecision {
  const notes: string[] = [];
  let state: MonitorState = { ...previous, streaks: { ...previous.streaks }, checks: previous.checks + 1 };

  if (observation.championVersion !== state.referenceChampion) {
    notes.push(
      `champion is now ${observation.championVersion ?? 'none'}: drift is measured against a new reference`,
    );
    state = {
      ...state,
      referenceChampion: observation.championVersion,
      reference: null,
      streaks: noStreaks(),
    };
  }
  // A window cannot drift from itself: when it becomes the reference, drift waits for the next one.
  const reference = state.reference;
  if (reference === null && observation.window.predictions >= policy.minWindowPredictions) {
    notes.push(`this window (${observation.window.predictions} predictions) becomes the reference`);
    state = { ...state, reference: observation.window };
  }

  const readings = readSignals(reference, observation.window, observation.backlog, policy);
  for (const reading of readings)
    state.streaks[reading.signal] = reading.fired ? state.streaks[reading.signal] + 1 : 0;

  const persisted = readings.filter(
    (r) => r.fired && (r.signal === 'edge-case-backlog' || state.streaks[r.signal] >= policy.persistence),
  );
  const building = readings
    .filter((r) => r.fired && !persisted.includes(r))
    .map((r) => `${r.detail} (${state.streaks[r.signal]} of ${policy.persistence} checks)`);

  if (persisted.length === 0) {
    const reasons = building.length > 0 ? building : ['no signal fired'];
    return { trigger: false, signals: [], reasons: [...notes, ...reasons], readings, state };
  }
  const signals = persisted.map((r) => r.signal);
  const wouldTrigger = persisted.map((r) => r.detail).join('; ');
  if (state.cycleRunning) {
    return {
      trigger: false,
      signals,
      reasons: [...notes, `a cycle is running; would trigger on: ${wouldTrigger}`],
      readings,
      state,
    };
  }
  if (state.lastCycleEndedAt !== null && observation.at - state.lastCycleEndedAt < policy.cooldown) {
    const left = policy.cooldown - (observation.at - state.lastCycleEndedAt);
    return {
      trigger: false,
      signals,
      reasons: [
        ...notes,
        `cooldown after the last cycle, ${formatDuration(left)} left; would trigger on: ${wouldTrigger}`,
      ],
      readings,
      state,
    };
  }
  return {
    trigger: true,
    signals,
    reasons: [...notes, ...persisted.map((r) => r.detail)],
    readings,
    state: { ...state, lastTriggerAt: observation.at, cycleRunning: true, streaks: noStreaks() },
  };
}
