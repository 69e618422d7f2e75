import type { AutoLabelConfig, MiningConfig } from '../../core/cycle/cycle-config.ts';
import type { WindowSummary } from '../../core/monitor/window-summary.ts';

/**
 * What the monitor and scheduled cycles ask of their activities. Results are small: a window summary
 * (quantile sketches, counts), never the captured rows.
 */

/** A cycle workflow of a model. */
export interface CycleRef {
  workflowId: string;
  number: number;
}

/** What Temporal knows about a model's cycles right now (from visibility, so cycles started anyhow count). */
export interface ModelCycleState {
  running: CycleRef | null;
  /** The most recently ended cycle and when it ended (ms). */
  lastEnded: (CycleRef & { endedAt: number }) | null;
}

export interface CycleStartRequest {
  model: string;
  /** Short, for the FlywheelTrigger search attribute: "monitor: label-mix-drift, oov-rise". */
  trigger: string;
  /** Every reason in full, with its figures: kept in the cycle's memo. */
  reasons: string[];
  /** The cycle config (validated again by the cycle). */
  config: unknown;
  /**
   * Identifies this request across activity retries: when the start succeeded but its answer was lost,
   * the retry finds the running cycle carrying the same id and reports it as started.
   */
  requestId: string;
}

export type CycleStartResult =
  | ({ started: true } & CycleRef)
  | { started: false; reason: string; running: CycleRef | null };

/**
 * How activities reach cycles: start the model's next one with the typed client's numbering (one
 * running cycle per model, enforced by the workflow id) and see what runs. Activities stay free of
 * the client: the worker process wires an implementation in (workers/cycle-starter.ts).
 */
export interface CycleStarter {
  start(request: CycleStartRequest): Promise<CycleStartResult>;
  state(model: string): Promise<ModelCycleState>;
}

export interface ObserveModelInput {
  model: string;
  /** End of the window (ms, exclusive): the monitor's workflow time, so a retry reads the same window. */
  at: number;
  /** Window length (ms). */
  window: number;
  /** Mining settings of the cycles this monitor starts: the backlog counts what such a cycle would mine. */
  mining: MiningConfig;
  autoLabel: AutoLabelConfig;
}

export interface EdgeCaseBacklog {
  /** Edge cases a cycle would mine now: auto-labelled plus waiting for review. */
  count: number;
  /** Served predictions read since the last cycle's watermark. */
  scanned: number;
  /** True when more was captured than one check reads (the count is then a lower bound). */
  capped: boolean;
}

export interface ObserveModelResult {
  /** The champion whose served traffic the window summarises; null when the model has none. */
  championVersion: string | null;
  window: WindowSummary;
  backlog: EdgeCaseBacklog;
  /** Share of the champion's hashed feature slots that carry weight (see core/monitor/out-of-vocabulary.ts). */
  vocabularyCoverage: number | null;
  cycles: ModelCycleState;
}

export interface MonitorActivities {
  observeModel(input: ObserveModelInput): Promise<ObserveModelResult>;
  startNextCycle(input: CycleStartRequest): Promise<CycleStartResult>;
}
