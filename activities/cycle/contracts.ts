import type { CaptureWatermark } from '../../core/capture/records.ts';
import type {
  AutoLabelConfig,
  DatasetConfig,
  GateConfig,
  MiningConfig,
} from '../../core/cycle/cycle-config.ts';
import type { CycleOutcome } from '../../core/cycle/cycle-record.ts';
import type { DailySpend, TrainingLimit } from '../../core/cycle/training-budget.ts';

/** CPU-seconds the activity used (worker main thread); absent in histories from before costs were kept. */
interface Metered {
  cpuSeconds?: number;
}

/**
 * What the cycle workflow asks of its activities. Inputs and results are small: ids and counts,
 * never bulk data; the bulk stays in the store and the artifact folder.
 */

export interface BeginCycleInput {
  cycleId: string;
  model: string;
  number: number;
  workflowId: string;
  trigger: string;
  startedAt: number;
}
export interface BeginCycleResult {
  championVersion: string;
  /** Dataset the champion was trained on: the parent of this cycle's dataset. */
  parentDatasetId: string;
  labels: string[];
  /** Capture position the previous cycle mined up to. */
  from: CaptureWatermark;
}

export interface CollectInput {
  cycleId: string;
  model: string;
  number: number;
  from: CaptureWatermark;
  parentDatasetId: string;
  labels: string[];
  mining: MiningConfig;
  autoLabel: AutoLabelConfig;
}
export interface CollectResult extends Metered {
  /** Id of this cycle's batch of mined items (review items of the cycle in the store). */
  batchId: string;
  to: CaptureWatermark;
  scanned: number;
  autoLabelled: number;
  needsReview: number;
  minedByReason: Record<string, number>;
  droppedByCause: Record<string, number>;
}

export interface BuildDatasetInput {
  cycleId: string;
  model: string;
  number: number;
  batchId: string;
  parentDatasetId: string;
  dataset: DatasetConfig;
}
export interface BuildDatasetResult extends Metered {
  datasetId: string;
  added: { train: number; holdout: number; golden: number };
  counts: { train: number; holdout: number; golden: number };
  bySource: { auto: number; human: number };
}

export interface TrainInput {
  model: string;
  datasetId: string;
  params: Record<string, unknown>;
  /** Which candidate of a sweep; part of the version id. */
  variant: number;
  /** Trainer name in the worker's registry (`training.trainer`). */
  trainer?: string;
  /** The cycle that asks, named in the training's cost record. */
  cycleId?: string;
  /** Budget limits the training stops itself at (core/cycle/training-budget.ts). */
  limits?: TrainingLimit[];
}

export interface DailySpendInput {
  model: string;
  /** This cycle, left out of the count. */
  cycleId: string;
  /** Start of the UTC day, milliseconds. */
  since: number;
}
export interface TrainResult extends Metered {
  versionId: string;
  holdoutAccuracy: number;
  /** True when this exact version already existed (a retried or repeated training). */
  reused: boolean;
  /** Epochs a crashed attempt had completed when this one resumed from its checkpoint; null when not resumed. */
  resumedFromEpoch: number | null;
}

export interface EvaluateInput {
  cycleId: string;
  model: string;
  candidateVersion: string;
  championVersion: string | null;
  datasetId: string;
  batchId: string;
  gate: GateConfig;
}
export interface EvaluateResult extends Metered {
  reportId: string;
  passed: boolean;
  reasons: string[];
  candidate: Record<string, number>;
  champion: Record<string, number> | null;
}

export interface FinishCycleInput {
  cycleId: string;
  model: string;
  outcome: CycleOutcome;
  to: CaptureWatermark | null;
  endedAt: number;
  summary: Record<string, unknown>;
}

export interface CycleActivities {
  beginCycle(input: BeginCycleInput): Promise<BeginCycleResult>;
  collectEdgeCases(input: CollectInput): Promise<CollectResult>;
  buildDataset(input: BuildDatasetInput): Promise<BuildDatasetResult>;
  evaluateCandidate(input: EvaluateInput): Promise<EvaluateResult>;
  finishCycle(input: FinishCycleInput): Promise<void>;
  dailySpend(input: DailySpendInput): Promise<DailySpend>;
}

export interface TrainingActivities {
  trainCandidate(input: TrainInput): Promise<TrainResult>;
}
