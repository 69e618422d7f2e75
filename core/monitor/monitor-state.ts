import { z } from 'zod';
import { WindowSummary } from './window-summary.ts';

export const MonitorSignal = z.enum([
  'label-mix-drift',
  'confidence-drift',
  'text-length-drift',
  'oov-rise',
  'feedback-error-rate',
  'edge-case-backlog',
]);
export type MonitorSignal = z.infer<typeof MonitorSignal>;
export const MONITOR_SIGNALS: readonly MonitorSignal[] = MonitorSignal.options;

/**
 * What the monitor carries from one check to the next, and through continue-as-new: plain JSON.
 * The reference window belongs to a champion: when the champion changes, so does the reference.
 */
export const MonitorState = z.object({
  referenceChampion: z.string().nullable(),
  reference: WindowSummary.nullable(),
  /** Consecutive checks on which each signal fired. */
  streaks: z.record(MonitorSignal, z.number().int().min(0)),
  checks: z.number().int().min(0),
  lastTriggerAt: z.number().int().nullable(),
  lastCycleEndedAt: z.number().int().nullable(),
  cycleRunning: z.boolean(),
});
export type MonitorState = z.infer<typeof MonitorState>;

export function noStreaks(): Record<MonitorSignal, number> {
  return Object.fromEntries(MONITOR_SIGNALS.map((signal) => [signal, 0])) as Record<MonitorSignal, number>;
}

export function initialMonitorState(): MonitorState {
  return {
    referenceChampion: null,
    reference: null,
    streaks: noStreaks(),
    checks: 0,
    lastTriggerAt: null,
    lastCycleEndedAt: null,
    cycleRunning: false,
  };
}

/** A cycle started (by this monitor, the CLI or a schedule): no other starts until it ends. */
export function noteCycleStarted(state: MonitorState): MonitorState {
  return { ...state, cycleRunning: true };
}

/** A cycle ended at `at`: the cooldown runs from here, and signals start counting afresh. */
export function noteCycleEnded(state: MonitorState, at: number): MonitorState {
  return { ...state, cycleRunning: false, lastCycleEndedAt: at, streaks: noStreaks() };
}
