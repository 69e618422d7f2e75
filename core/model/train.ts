import { mix32 } from '../hashing/fnv1a.ts';
import type { EpochProgress, TrainingCheckpoint } from './checkpoint.ts';
import { DEFAULT_FEATURES, FeatureConfig, sameFeatures } from './feature-config.ts';
import { createFeaturizer } from './features.ts';
import type { LinearTextModel } from './linear-model.ts';
import { argmax, softmaxInPlace } from './linear-model.ts';
import type { TrainingParamsInput } from './params.ts';
import { TrainingParams } from './params.ts';
import { epochOrder } from './prng.ts';

export interface LabeledText {
  text: string;
  label: string;
}

export interface TrainClassifierInput {
  examples: readonly LabeledText[];
  /** The class labels, in the order the model reports them; every example's label must be one of them. */
  labels: readonly string[];
  params?: TrainingParamsInput;
  features?: FeatureConfig;
  seed: number;
  /** A checkpoint from an earlier attempt of this very run; training continues after its epoch. */
  resumeFrom?: TrainingCheckpoint | null;
  /**
   * Called after every epoch with a snapshot the caller may keep or persist. Training waits for the
   * returned promise: that is where a caller yields to its event loop, heartbeats or stores the checkpoint.
   */
  onEpoch?: (checkpoint: TrainingCheckpoint, progress: EpochProgress) => void | Promise<void>;
  /** Checked before every batch; an aborted signal stops training with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Weights to start from instead of zeros (warm start: fine-tuning the serving model on its dataset plus
   * new labels). Same labels and features as this run; Adam's moments start at zero.
   */
  startFrom?: LinearTextModel | null;
}

export interface TrainedClassifier {
  model: LinearTextModel;
  params: TrainingParams;
  seed: number;
  history: EpochProgress[];
}

/**
 * Trains a multinomial logistic regression by mini-batch Adam with L2. Deterministic: the same input
 * gives the same float32 weights bit for bit, whether the run went straight through or was resumed from
 * any of its checkpoints. Adam is lazy — only the rows a batch touches are updated, L2 included — which
 * keeps a step proportional to the batch's non-zero features instead of the hashed dimension.
 */
export async function trainClassifier(input: TrainClassifierInput): Promise<TrainedClassifier> {
  const params = TrainingParams.parse(input.params ?? {});
  const features = FeatureConfig.parse(input.features ?? DEFAULT_FEATURES);
  const labels = validateLabels(input.labels);
  const classes = labels.length;
  const seed = input.seed >>> 0;
  const data = designMatrix(input.examples, labels, features);
  // Only checkpoints need the fingerprint: a run that neither resumes nor checkpoints skips hashing.
  let fingerprint: string | null = null;
  const fingerprintOf = () =>
    (fingerprint ??= runFingerprint(
      data,
      { labels, params, features, seed },
      input.startFrom ? [input.startFrom.weights, input.startFrom.bias] : [],
    ));
  // Rows of the training state: one per feature slot the examples use, then the biases.
  const rows = data.slots.length + 1;
  // With averaged runs, epochs count across them: run r holds epochs r·epochs+1 … (r+1)·epochs.
  const runs = params.averagedRuns ?? 1;
  const totalEpochs = runs * params.epochs;
  const fresh = () => startingState(input.startFrom ?? null, data.slots, labels, features, classes);

  const resumed = input.resumeFrom
    ? resumedRun(input.resumeFrom, fingerprintOf(), totalEpochs, data.slots, features.dimension, classes)
    : null;
  const run: Run = resumed?.run ?? { epoch: 0, step: 0, state: fresh(), history: [] };
  // The weights of the runs finished so far, summed (float32, as checkpoints keep it: resumed or not, the
  // same sum), by row and label.
  if (runs > 1 && resumed !== null && resumed.run.epoch < totalEpochs && resumed.finished === null) {
    throw new Error("checkpoint of averaged runs lacks the finished runs' weights: it is damaged");
  }
  const finished = resumed?.finished ?? new Float32Array(runs > 1 ? rows * classes : 0);
  const scratch: Scratch = {
    touched: new Uint32Array(rows),
    isTouched: new Uint8Array(rows),
    probabilities: new Float64Array(classes),
  };

  while (run.epoch < totalEpochs) {
    const runIndex = Math.floor(run.epoch / params.epochs);
    const epoch = run.epoch % params.epochs;
    if (epoch === 0 && run.epoch > 0) {
      // A checkpoint at a run's end holds that run's weights, already summed: the next run starts afresh.
      run.state = fresh();
      run.step = 0;
    }
    const order = epochOrder(data.count, (seed + runIndex) >>> 0, epoch);
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < data.count; start += params.batchSize) {
      input.signal?.throwIfAborted();
      run.step++;
      const end = Math.min(start + params.batchSize, data.count);
      const outcome = trainBatch(data, order, start, end, classes, run, params, scratch);
      loss += outcome.loss;
      correct += outcome.correct;
    }
    run.epoch++;
    if (runs > 1 && run.epoch % params.epochs === 0) {
      addWeights(finished, run.state, classes);
      // After the last run the state's weights become the mean, so the last checkpoint (and a run resumed
      // from it) holds the very model this run returns.
      if (run.epoch === totalEpochs) meanInto(run.state, finished, runs, classes);
    }
    const progress: EpochProgress = {
      epoch: run.epoch,
      epochs: totalEpochs,
      loss: loss / Math.max(data.count, 1),
      trainAccuracy: correct / Math.max(data.count, 1),
    };
    run.history.push(progress);
    if (input.onEpoch) {
      const snapshot: TrainingCheckpoint = {
        fingerprint: fingerprintOf(),
        epoch: run.epoch,
        step: run.step,
        labels,
        rows: features.dimension + 1,
        state: checkpointState(run.state, data.slots, features.dimension, classes),
        ...(runs > 1 && run.epoch < totalEpochs
          ? { finishedRuns: checkpointSums(finished, data.slots, features.dimension, classes) }
          : {}),
        history: [...run.history],
      };
      await input.onEpoch(snapshot, progress);
    }
  }
  input.signal?.throwIfAborted();

  return { model: modelOf(run.state, data.slots, labels, features), params, seed, history: run.history };
}

/** Adds each row's weights (the first `classes` values of its state row) to `sums`. */
function addWeights(sums: Float32Array, state: Float32Array, classes: number): void {
  const stride = classes * STRIDE;
  for (let row = 0; row < sums.length / classes; row++) {
    for (let k = 0; k < classes; k++)
      sums[row * classes + k] = sums[row * classes + k]! + state[row * stride + k]!;
  }
}

/** Writes the mean of `runs` summed weights into the state's weights. */
function meanInto(state: Float32Array, sums: Float32Array, runs: number, classes: number): void {
  const stride = classes * STRIDE;
  for (let row = 0; row < sums.length / classes; row++) {
    for (let k = 0; k < classes; k++) state[row * stride + k] = sums[row * classes + k]! / runs;
  }
}

/**
 * Values per label in a row of the training state: weight, Adam's first moment, second moment and the
 * batch's gradient. One row's values sit side by side, so updating a row touches one cache line where
 * four separate arrays would touch four: the update is bound by memory, not arithmetic.
 */
const STRIDE = 4;

/** The progress of a run: epochs done, Adam steps taken, and the state (rows of STRIDE × labels values). */
interface Run {
  epoch: number;
  step: number;
  state: Float32Array;
  history: EpochProgress[];
}

/**
 * Examples featurised once into flat arrays: the hot loop touches no objects. Feature slots are
 * renumbered into rows by first appearance: the training state then holds only the slots in use, and
 * frequent words — which appear early — share a few cache lines instead of being scattered over the
 * whole hashed dimension. Training is bound by memory latency, so this is what makes an epoch fast.
 */
interface DesignMatrix {
  count: number;
  offsets: Uint32Array;
  /** Row numbers (see `slots`). */
  indices: Uint32Array;
  /** The feature slot of each row. */
  slots: Uint32Array;
  values: Float64Array;
  targets: Uint32Array;
}

interface Scratch {
  touched: Uint32Array;
  isTouched: Uint8Array;
  probabilities: Float64Array;
}

/**
 * One Adam step on examples order[start..end). All the batch's gradients are taken at the same
 * parameters, then applied once to the rows the batch touched.
 */
function trainBatch(
  data: DesignMatrix,
  order: Uint32Array,
  start: number,
  end: number,
  classes: number,
  run: Run,
  params: TrainingParams,
  scratch: Scratch,
): { loss: number; correct: number } {
  const { offsets, indices, values, targets } = data;
  const { state, step } = run;
  const { touched, isTouched, probabilities } = scratch;
  const stride = classes * STRIDE;
  const gradientAt = classes * 3;
  const biasRow = touched.length - 1;
  let loss = 0;
  let correct = 0;
  let touchedCount = 0;
  for (let b = start; b < end; b++) {
    const example = order[b]!;
    const from = offsets[example]!;
    const to = offsets[example + 1]!;
    for (let k = 0; k < classes; k++) probabilities[k] = state[biasRow * stride + k]!;
    for (let i = from; i < to; i++) {
      const base = indices[i]! * stride;
      const value = values[i]!;
      for (let k = 0; k < classes; k++) probabilities[k] = probabilities[k]! + state[base + k]! * value;
    }
    softmaxInPlace(probabilities, classes);
    const target = targets[example]!;
    loss -= Math.log(Math.max(probabilities[target]!, 1e-300));
    if (argmax(probabilities, classes) === target) correct++;
    // The cross-entropy's gradient with respect to the logits: p - onehot(target).
    probabilities[target] = probabilities[target]! - 1;
    for (let i = from; i < to; i++) {
      const row = indices[i]!;
      if (isTouched[row] === 0) {
        isTouched[row] = 1;
        touched[touchedCount++] = row;
      }
      const base = row * stride + gradientAt;
      const value = values[i]!;
      for (let k = 0; k < classes; k++) state[base + k] = state[base + k]! + probabilities[k]! * value;
    }
    const biasGradient = biasRow * stride + gradientAt;
    for (let k = 0; k < classes; k++) state[biasGradient + k] = state[biasGradient + k]! + probabilities[k]!;
  }
  if (isTouched[biasRow] === 0) {
    isTouched[biasRow] = 1;
    touched[touchedCount++] = biasRow;
  }
  const { learningRate, l2, beta1, beta2, epsilon } = params;
  const stepSize = (learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
  const batchScale = 1 / (end - start);
  for (let t = 0; t < touchedCount; t++) {
    const row = touched[t]!;
    isTouched[row] = 0;
    const penalty = row === biasRow ? 0 : l2;
    const base = row * stride;
    for (let k = 0; k < classes; k++) {
      const w = base + k;
      const m = w + classes;
      const v = m + classes;
      const gradient = v + classes;
      const g = state[gradient]! * batchScale + penalty * state[w]!;
      state[gradient] = 0;
      const first = beta1 * state[m]! + (1 - beta1) * g;
      const second = beta2 * state[v]! + (1 - beta2) * g * g;
      state[m] = first;
      state[v] = second;
      state[w] = state[w]! - (stepSize * first) / (Math.sqrt(second) + epsilon);
    }
  }
  return { loss, correct };
}

function modelOf(
  state: Float32Array,
  slots: Uint32Array,
  labels: readonly string[],
  features: FeatureConfig,
): LinearTextModel {
  const classes = labels.length;
  const stride = classes * STRIDE;
  const weights = new Float32Array(features.dimension * classes);
  for (let row = 0; row < slots.length; row++) {
    for (let k = 0; k < classes; k++) weights[slots[row]! * classes + k] = state[row * stride + k]!;
  }
  const biasStart = slots.length * stride;
  return { labels, features, weights, bias: state.slice(biasStart, biasStart + classes) };
}

/** Zeros, or the weights of the model to start from laid out in this run's rows. */
function startingState(
  start: LinearTextModel | null,
  slots: Uint32Array,
  labels: readonly string[],
  features: FeatureConfig,
  classes: number,
): Float32Array {
  const stride = classes * STRIDE;
  const state = new Float32Array((slots.length + 1) * stride);
  if (start === null) return state;
  if (start.labels.join('\u0000') !== labels.join('\u0000')) {
    throw new Error(
      `the model to start from has labels ${start.labels.join(', ')}, this run ${labels.join(', ')}`,
    );
  }
  if (!sameFeatures(start.features, features)) {
    throw new Error('the model to start from was trained with other feature settings');
  }
  for (let row = 0; row < slots.length; row++) {
    for (let k = 0; k < classes; k++) state[row * stride + k] = start.weights[slots[row]! * classes + k]!;
  }
  for (let k = 0; k < classes; k++) state[slots.length * stride + k] = start.bias[k]!;
  return state;
}

function validateLabels(labels: readonly string[]): string[] {
  if (labels.length < 2) throw new Error(`a classifier needs at least 2 labels, got ${labels.length}`);
  if (new Set(labels).size !== labels.length) throw new Error(`labels repeat: ${labels.join(', ')}`);
  return [...labels];
}

function designMatrix(
  examples: readonly LabeledText[],
  labels: readonly string[],
  features: FeatureConfig,
): DesignMatrix {
  const featurize = createFeaturizer(features);
  const labelIndex = new Map(labels.map((label, k) => [label, k]));
  const vectors = examples.map((example, i) => {
    if (!labelIndex.has(example.label)) {
      throw new Error(`example ${i} has label "${example.label}", not one of: ${labels.join(', ')}`);
    }
    return featurize(example.text);
  });
  const offsets = new Uint32Array(examples.length + 1);
  for (let i = 0; i < vectors.length; i++) offsets[i + 1] = offsets[i]! + vectors[i]!.indices.length;
  const indices = new Uint32Array(offsets[vectors.length]!);
  const values = new Float64Array(indices.length);
  const rowOf = new Int32Array(features.dimension).fill(-1);
  const slots: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    const vector = vectors[i]!;
    const at = offsets[i]!;
    for (let j = 0; j < vector.indices.length; j++) {
      const slot = vector.indices[j]!;
      let row = rowOf[slot]!;
      if (row < 0) {
        row = slots.length;
        rowOf[slot] = row;
        slots.push(slot);
      }
      indices[at + j] = row;
    }
    values.set(vector.values, at);
  }
  const targets = Uint32Array.from(examples, (example) => labelIndex.get(example.label)!);
  return { count: examples.length, offsets, indices, slots: Uint32Array.from(slots), values, targets };
}

function resumedRun(
  checkpoint: TrainingCheckpoint,
  fingerprint: string,
  epochs: number,
  slots: Uint32Array,
  dimension: number,
  classes: number,
): { run: Run; finished: Float32Array | null } {
  if (checkpoint.fingerprint !== fingerprint) {
    throw new Error(
      `checkpoint belongs to another training run (fingerprint ${checkpoint.fingerprint}, this run ${fingerprint}): ` +
        'examples, labels, params, features or seed differ',
    );
  }
  if (checkpoint.epoch > epochs) {
    throw new Error(`checkpoint is at epoch ${checkpoint.epoch} of only ${epochs}`);
  }
  const width = classes * CHECKPOINT_STRIDE;
  if (checkpoint.state.length !== (dimension + 1) * width) {
    throw new Error(
      `checkpoint state holds ${checkpoint.state.length} values, this run needs ${(dimension + 1) * width}`,
    );
  }
  if (checkpoint.finishedRuns && checkpoint.finishedRuns.length !== (dimension + 1) * classes) {
    throw new Error(
      `checkpoint's finished runs hold ${checkpoint.finishedRuns.length} values, this run needs ${(dimension + 1) * classes}`,
    );
  }
  const stride = classes * STRIDE;
  const state = new Float32Array((slots.length + 1) * stride);
  const finished = checkpoint.finishedRuns ? new Float32Array((slots.length + 1) * classes) : null;
  for (let row = 0; row <= slots.length; row++) {
    const slot = row < slots.length ? slots[row]! : dimension;
    for (let i = 0; i < width; i++) state[row * stride + i] = checkpoint.state[slot * width + i]!;
    if (finished && checkpoint.finishedRuns) {
      for (let k = 0; k < classes; k++)
        finished[row * classes + k] = checkpoint.finishedRuns[slot * classes + k]!;
    }
  }
  return {
    run: { epoch: checkpoint.epoch, step: checkpoint.step, state, history: [...checkpoint.history] },
    finished,
  };
}

/** The summed weights of finished runs by feature slot (then the biases), as checkpoints keep them. */
function checkpointSums(
  sums: Float32Array,
  slots: Uint32Array,
  dimension: number,
  classes: number,
): Float32Array {
  const out = new Float32Array((dimension + 1) * classes);
  for (let row = 0; row <= slots.length; row++) {
    const slot = row < slots.length ? slots[row]! : dimension;
    for (let k = 0; k < classes; k++) out[slot * classes + k] = sums[row * classes + k]!;
  }
  return out;
}

/**
 * Checkpoints are by feature slot (rows 0..dimension-1, then the biases), whatever the run's row
 * numbering, and leave out the gradients: between batches they are all zero.
 */
const CHECKPOINT_STRIDE = 3;

function checkpointState(
  state: Float32Array,
  slots: Uint32Array,
  dimension: number,
  classes: number,
): Float32Array {
  const width = classes * CHECKPOINT_STRIDE;
  const stride = classes * STRIDE;
  const out = new Float32Array((dimension + 1) * width);
  for (let row = 0; row <= slots.length; row++) {
    const slot = row < slots.length ? slots[row]! : dimension;
    for (let i = 0; i < width; i++) out[slot * width + i] = state[row * stride + i]!;
  }
  return out;
}

/**
 * Identifies a training run by everything that determines its weights: the featurised examples and
 * their targets (so it is cheap: no second pass over the texts), labels, params, features, seed and the
 * weights a warm start began from.
 * Two independent 32-bit hashes make accidental agreement of different runs negligible.
 */
function runFingerprint(data: DesignMatrix, settings: object, start: readonly Float32Array[]): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const mix = (word: number) => {
    a = Math.imul(a ^ word, 0x01000193);
    b = Math.imul(b ^ word, 0x5bd1e995) ^ (b >>> 15);
  };
  const header = JSON.stringify(settings);
  for (let i = 0; i < header.length; i++) mix(header.charCodeAt(i));
  for (const words of [
    data.slots,
    data.offsets,
    data.targets,
    data.indices,
    new Uint32Array(data.values.buffer, data.values.byteOffset, data.values.length * 2),
    ...start.map((floats) => new Uint32Array(floats.buffer, floats.byteOffset, floats.length)),
  ]) {
    for (let i = 0; i < words.length; i++) mix(words[i]!);
  }
  const hex = (h: number) => mix32(h).toString(16).padStart(8, '0');
  return hex(a) + hex(b);
}
