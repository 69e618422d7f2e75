import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CycleStartResult, EdgeCaseBacklog } from '../activities/monitor/contracts.ts';
import type { MonitorPolicy } from '../core/monitor/monitor-policy.ts';
import type { MonitorSignal, MonitorState } from '../core/monitor/monitor-state.ts';
import type { SignalReading } from '../core/monitor/signal-readings.ts';
import type { WindowSummary } from '../core/monitor/window-summary.ts';

export interface MonitorInput {
  model: string;
  /** A monitor policy (any subset; defaults fill the rest), validated in the workflow. */
  policy?: unknown;
  /** The config of the cycles this monitor starts (validated by the cycle; its mining rules size the backlog). */
  cycleConfig?: unknown;
  /** Checks per run before the monitor continues as new with its state (default 200). */
  checksPerRun?: number;
  /** What the previous run handed over at continue-as-new; absent on a fresh start. */
  carried?: MonitorCarry;
}

/** Someone asked for a cycle now (or to pause, or to resume): who and why, for the record. */
export interface MonitorRequest {
  by?: string;
  reason?: string;
}

/** One check, as the status query and the Temporal UI show it. */
export interface MonitorCheck {
  at: number;
  championVersion: string | null;
  /** Served predictions of the champion in the window. */
  predictions: number;
  backlog: EdgeCaseBacklog | null;
  readings: SignalReading[];
  streaks: Record<MonitorSignal, number>;
  /** Why the check did (not) start a cycle, in words. */
  reasons: string[];
  /** What came of it: nothing, a trigger (see `triggers`), held back, or a failed check. */
  outcome: 'quiet' | 'building' | 'triggered' | 'held-back' | 'failed';
}

/** One attempt to start a cycle, by the policy or on request. */
export interface MonitorTrigger {
  at: number;
  by: 'policy' | 'request';
  /** The FlywheelTrigger of the cycle, e.g. "monitor: label-mix-drift, text-length-drift". */
  trigger: string;
  reasons: string[];
  result: CycleStartResult | { started: false; reason: string; running: null };
}

/** What survives continue-as-new: the policy state plus what the status query shows. */
export interface MonitorCarry {
  state: MonitorState;
  paused: boolean;
  recent: MonitorCheck[];
  triggers: MonitorTrigger[];
  /** Trigger-now requests not yet served. */
  requests: MonitorRequest[];
  /** Runs so far, this one included (1 before the first continue-as-new). */
  runs: number;
  /** When the first run started (ms). */
  since: number;
}

export interface MonitorStatus {
  model: string;
  policy: MonitorPolicy;
  paused: boolean;
  /** What the monitor is doing in one word: watching, paused, cycle-running, cooldown. */
  phase: MonitorPhase;
  checks: number;
  checksThisRun: number;
  runs: number;
  since: number;
  nextCheckAt: number | null;
  referenceChampion: string | null;
  /** The reference window without its sketches. */
  reference: Omit<WindowSummary, 'confidenceSketch' | 'textLengthSketch'> | null;
  streaks: Record<MonitorSignal, number>;
  cycleRunning: boolean;
  lastTriggerAt: number | null;
  lastCycleEndedAt: number | null;
  /** Newest last. */
  recent: MonitorCheck[];
  /** Newest last. */
  triggers: MonitorTrigger[];
  pendingRequests: MonitorRequest[];
}

export type MonitorPhase = 'watching' | 'paused' | 'cycle-running' | 'cooldown';

export const monitorStatusQuery = defineQuery<MonitorStatus>('status');
/** Stop checking (and so triggering) until resumed; a trigger-now request is still served. */
export const pauseMonitorSignal = defineSignal<[MonitorRequest?]>('pause');
/** Check again at once and carry on. */
export const resumeMonitorSignal = defineSignal<[MonitorRequest?]>('resume');
/** Check at once and start a cycle whatever the signals, unless one is running (persistence and cooldown are skipped). */
export const triggerNowSignal = defineSignal<[MonitorRequest?]>('triggerNow');
/** Changes policy fields (the rest stay); refused with the field and the rule when invalid. Returns the new policy. */
export const configureMonitorUpdate = defineUpdate<MonitorPolicy, [unknown]>('configure');

/** One monitor per model: the id is what makes a second start fail. */
export function monitorWorkflowId(model: string): string {
  return `flywheel-monitor-${model}`;
}
