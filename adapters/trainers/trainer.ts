/**
 * Where models get trained. Two implementations: `builtin` (core/model, in process) and
 * `external-command` (any program speaking the protocol in README.md, e.g. a Python script). Both
 * return an artifact of a model kind the gateway serves (adapters/models/model-kinds.ts: the built-in
 * classifier, or an ONNX graph with its manifest), and both measure the result on the same holdout in
 * the same way, so their metrics compare.
 */
export interface TrainingExample {
  text: string;
  label: string;
}

export interface TrainingRequest {
  /** The dataset version trained on; recorded in the artifact. */
  datasetId: string | null;
  /** The class labels, in the order the model reports them. */
  labels: readonly string[];
  train: readonly TrainingExample[];
  /** Measured after training; never trained on. May be empty (metrics then have holdoutSize 0). */
  holdout: readonly TrainingExample[];
  /** Trainer-specific settings, validated by the trainer; unknown keys are ignored by `builtin`. */
  params: Record<string, unknown>;
  seed: number;
  /**
   * The artifact of the model to fine-tune (warm start: the serving champion), or null to train from scratch.
   * A trainer that cannot start from it (another kind, other labels or features) trains from scratch.
   */
  startFrom?: Uint8Array | null;
  /** Bytes an earlier attempt of this same request passed to `onCheckpoint`: training continues from there. */
  resumeFrom?: Uint8Array | null;
  onProgress?: (progress: TrainingProgress) => void | Promise<void>;
  /**
   * Receives checkpoints to persist (opaque bytes, megabytes for the built-in trainer). Training waits
   * for the returned promise. The final epoch always produces one.
   */
  onCheckpoint?: (checkpoint: Uint8Array, at: { epoch: number }) => void | Promise<void>;
  /** Minimum time between two checkpoints (default 0: every epoch). */
  checkpointEveryMs?: number;
  /** Aborting stops training (an external program is killed) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * For trainers that run outside this process: the CPU-seconds their programs have used so far, reported
   * as they run (a training budget counts them; the in-process trainer is measured by its caller).
   */
  onCpuSeconds?: (seconds: number) => void;
}

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  /** Training loss of the epoch, when the trainer reports one. */
  loss: number | null;
  /** Any other figures the trainer reports for the epoch. */
  metrics: Record<string, number>;
}

export interface TrainingResult {
  /** Name and version of the trainer, e.g. "builtin/logistic-regression@1". */
  trainer: string;
  /** An artifact of a known model kind (core/model/model-kind.ts), already checked to load. */
  artifact: Uint8Array;
  /** Measured by Flywheel on the holdout: accuracy, macroF1, holdoutSize, then `reported.*` from the trainer. */
  metrics: Record<string, number>;
  /** The params the trainer actually used, defaults filled in. */
  params: Record<string, unknown>;
  /** The epoch the run resumed after, when it resumed. */
  resumedFromEpoch: number | null;
}

export interface Trainer {
  readonly name: string;
  train(request: TrainingRequest): Promise<TrainingResult>;
}

/**
 * The trainer finished but its artifact is refused (it does not load, or its labels are not the
 * dataset's): training it again would give the same artifact, so this is not worth a retry.
 */
export class ArtifactRefusedError extends Error {
  override name = 'ArtifactRefusedError';
}
