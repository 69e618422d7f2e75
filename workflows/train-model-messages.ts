import type { TrainResult } from '../activities/cycle/contracts.ts';

/** What `flywheel models train` asks for: a public corpus to version and train on. */
export interface TrainModelInput {
  model: string;
  /** `spamassassin:<group>[,<group>…]`. */
  source: string;
  params: Record<string, unknown>;
  /** Trainer name in the training worker's registry (default: the built-in one). */
  trainer?: string;
  /** The training task queue (`flywheel worker --training-task-queue`). */
  trainingTaskQueue: string;
}

export interface TrainModelResult extends TrainResult {
  datasetId: string;
  counts: { train: number; holdout: number; golden: number };
  /** The model's champion before this training (null: none yet). */
  championBefore: string | null;
}

/** One training of a model at a time from the CLI: a second start is refused while the first runs. */
export function trainModelWorkflowId(model: string): string {
  return `flywheel-train-${model}`;
}
