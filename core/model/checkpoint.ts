import { z } from 'zod';
import { readableIssues } from '../validation/zod-issues.ts';
import { decodeRows, encodeRows } from './sparse-rows.ts';

export interface EpochProgress {
  /** Epochs completed, counting from 1. */
  epoch: number;
  epochs: number;
  /** Mean cross-entropy over the epoch's examples, each measured before its batch's update. */
  loss: number;
  /** Share of the epoch's examples predicted right before their batch's update. */
  trainAccuracy: number;
}

/**
 * Everything needed to continue a training run after `epoch` completed epochs and end with the same
 * weights as a run that never stopped: the parameters and both Adam moments (float32, bit-exact), the
 * step count for bias correction, and a fingerprint of the run so a checkpoint is never applied to a
 * different dataset, label set, seed or configuration. The example order needs no state: it is a
 * function of (seed, epoch). Treat `state` as opaque.
 */
export interface TrainingCheckpoint {
  fingerprint: string;
  epoch: number;
  step: number;
  labels: readonly string[];
  /** Feature rows + 1 (the last row holds the biases). */
  rows: number;
  /** Row-major; each row holds its weights, then Adam's first moments, then its second moments (one per label). */
  state: Float32Array;
  /**
   * With averaged runs (`averagedRuns` > 1), between runs: the weights of the runs finished so far, summed,
   * by row and label (rows as `state`). Absent otherwise.
   */
  finishedRuns?: Float32Array | null;
  history: EpochProgress[];
}

const CHECKPOINT_FORMAT = 'flywheel.training-checkpoint/v1';

const EpochProgressSchema = z.object({
  epoch: z.number().int().min(1),
  epochs: z.number().int().min(1),
  loss: z.number(),
  trainAccuracy: z.number().min(0).max(1),
});

const CheckpointDocument = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  fingerprint: z.string().min(1),
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  labels: z.array(z.string()).min(2),
  rows: z.number().int().min(2),
  state: z.object({ rows: z.string(), blocks: z.array(z.string()).length(1) }),
  finishedRuns: z.object({ rows: z.string(), blocks: z.array(z.string()).length(1) }).optional(),
  history: z.array(EpochProgressSchema),
});

export function serializeCheckpoint(checkpoint: TrainingCheckpoint): Uint8Array {
  const document: z.input<typeof CheckpointDocument> = {
    format: CHECKPOINT_FORMAT,
    fingerprint: checkpoint.fingerprint,
    epoch: checkpoint.epoch,
    step: checkpoint.step,
    labels: [...checkpoint.labels],
    rows: checkpoint.rows,
    state: encodeRows([checkpoint.state], checkpoint.labels.length * 3),
    ...(checkpoint.finishedRuns
      ? { finishedRuns: encodeRows([checkpoint.finishedRuns], checkpoint.labels.length) }
      : {}),
    history: checkpoint.history,
  };
  return new TextEncoder().encode(JSON.stringify(document));
}

export function deserializeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`training checkpoint is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const result = CheckpointDocument.safeParse(parsed);
  if (!result.success)
    throw new Error(`training checkpoint is invalid: ${readableIssues(result.error).join('; ')}`);
  const document = result.data;
  let state: Float32Array;
  let finishedRuns: Float32Array | null = null;
  try {
    [state] = decodeRows(document.state, document.rows, document.labels.length * 3) as [Float32Array];
    if (document.finishedRuns) {
      [finishedRuns] = decodeRows(document.finishedRuns, document.rows, document.labels.length) as [
        Float32Array,
      ];
    }
  } catch (error) {
    throw new Error(`training checkpoint state is corrupt: ${(error as Error).message}`);
  }
  return {
    fingerprint: document.fingerprint,
    epoch: document.epoch,
    step: document.step,
    labels: document.labels,
    rows: document.rows,
    state,
    ...(finishedRuns ? { finishedRuns } : {}),
    history: document.history,
  };
}
