import * as ort from 'onnxruntime-node';
import { createFeaturizer, type SparseVector } from '../../core/model/features.ts';
import { argmax, type Prediction, softmaxInPlace } from '../../core/model/linear-model.ts';
import { type ModelKind, ModelKindError, type ModelPredictor } from '../../core/model/model-kind.ts';
import {
  isOnnxBundle,
  ONNX_FORMAT,
  OnnxBundleError,
  type OnnxManifest,
  unbundleOnnx,
} from '../../core/onnx/onnx-manifest.ts';

/** Probabilities that miss 1 by more than this are refused: a graph that forgot its softmax. */
const SUM_TOLERANCE = 1e-3;

/** Texts every graph is run on when loaded, so a broken one fails at registration, not on a request. */
const PROBE_TEXTS = ['', 'Free money!!! Click now $$$', 'Minutes of the meeting, see you tomorrow.'];

/**
 * `onnx/v1`: any framework's graph, served in process by ONNX Runtime (CPU). One session per loaded
 * version, one thread per run: a request is a few gathers and adds, where a thread pool's hand-offs
 * cost more than they save, and the gateway already runs requests side by side.
 */
export const onnxKind: ModelKind = {
  format: ONNX_FORMAT,
  recognizes: isOnnxBundle,
  async load(artifact) {
    let manifest: OnnxManifest;
    let graph: Uint8Array;
    try {
      ({ manifest, graph } = unbundleOnnx(artifact));
    } catch (error) {
      if (error instanceof OnnxBundleError) throw new ModelKindError(error.message);
      throw error;
    }
    const session = await openSession(graph);
    checkGraphAgainstManifest(session, manifest);
    const predictor = onnxPredictor(session, manifest);
    await probe(predictor, manifest);
    return predictor;
  },
};

async function openSession(graph: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(graph, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    const reason = String((error as Error).message ?? error).split('\n')[0];
    throw new ModelKindError(`the .onnx graph cannot be loaded (corrupt or truncated?): ${reason}`);
  }
}

/** The graph's declared inputs and output must be exactly what the manifest says it will feed and read. */
function checkGraphAgainstManifest(session: ort.InferenceSession, manifest: OnnxManifest): void {
  const expected: Record<string, ort.Tensor.Type> =
    manifest.input.kind === 'hashed-ngrams'
      ? { [manifest.input.indices]: 'int64', [manifest.input.values]: 'float32' }
      : { [manifest.input.text]: 'string' };
  for (const [name, type] of Object.entries(expected)) {
    const declared = session.inputMetadata.find((input) => input.name === name);
    if (!declared) {
      throw new ModelKindError(
        `the manifest feeds input "${name}" but the graph's inputs are [${session.inputNames.join(', ')}]`,
      );
    }
    if (declared.isTensor && declared.type !== type) {
      throw new ModelKindError(`graph input "${name}" is ${declared.type}, the manifest feeds it ${type}`);
    }
  }
  const unfed = session.inputNames.filter((name) => !(name in expected));
  if (unfed.length > 0) {
    throw new ModelKindError(`the graph needs inputs the manifest does not feed: ${unfed.join(', ')}`);
  }
  const output = session.outputMetadata.find((candidate) => candidate.name === manifest.output.name);
  if (!output) {
    throw new ModelKindError(
      `the manifest reads output "${manifest.output.name}" but the graph's outputs are [${session.outputNames.join(', ')}]`,
    );
  }
  if (output.isTensor) {
    const last = output.shape[output.shape.length - 1];
    if (typeof last === 'number' && last !== manifest.labels.length) {
      throw new ModelKindError(
        `graph output "${manifest.output.name}" has ${last} classes, the manifest ${manifest.labels.length} labels`,
      );
    }
  }
}

function onnxPredictor(session: ort.InferenceSession, manifest: OnnxManifest): ModelPredictor {
  const classes = manifest.labels.length;
  const feeds = feedsOf(manifest);
  const outputName = manifest.output.name;
  const logits = manifest.output.holds === 'logits';
  async function predictOne(text: string): Promise<Prediction> {
    const results = await session.run(feeds(text), [outputName]);
    const tensor = results[outputName]!;
    const data = tensor.data as Float32Array | Float64Array;
    if (data.length !== classes) {
      throw new ModelKindError(
        `graph output "${outputName}" gave ${data.length} scores for ${classes} labels`,
      );
    }
    const probabilities = Float64Array.from(data);
    if (logits) softmaxInPlace(probabilities, classes);
    const best = argmax(probabilities, classes);
    const scores: Record<string, number> = {};
    for (let k = 0; k < classes; k++) scores[manifest.labels[k]!] = probabilities[k]!;
    return { label: manifest.labels[best]!, confidence: probabilities[best]!, scores };
  }
  return {
    format: ONNX_FORMAT,
    labels: manifest.labels,
    input:
      manifest.input.kind === 'hashed-ngrams'
        ? { kind: 'hashed-ngrams', features: manifest.input.features }
        : { kind: 'raw-text' },
    async predictBatch(texts) {
      const predictions: Prediction[] = [];
      for (const text of texts) predictions.push(await predictOne(text));
      return predictions;
    },
    vocabularyMeter: () => null,
  };
}

/** How one text becomes the graph's feeds: its non-zero slots (never a dense vector), or the text. */
function feedsOf(manifest: OnnxManifest): (text: string) => Record<string, ort.Tensor> {
  const input = manifest.input;
  if (input.kind === 'raw-text') {
    return (text) => ({ [input.text]: new ort.Tensor('string', [text], [1]) });
  }
  const featurize = createFeaturizer(input.features);
  return (text) => sparseFeeds(featurize(text), input);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A sparse vector as int64 slots and float32 values. The slots are written as two 32-bit words each
 * rather than through BigInt: a BigInt per slot cost as much as ONNX Runtime's whole run.
 */
export function sparseFeeds(
  vector: SparseVector,
  names: { indices: string; values: string },
): Record<string, ort.Tensor> {
  const { indices, values } = vector;
  const slots = new BigInt64Array(indices.length);
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(slots.buffer);
    for (let i = 0; i < indices.length; i++) words[i * 2] = indices[i]!;
  } else {
    for (let i = 0; i < indices.length; i++) slots[i] = BigInt(indices[i]!);
  }
  return {
    [names.indices]: new ort.Tensor('int64', slots, [indices.length]),
    [names.values]: new ort.Tensor('float32', Float32Array.from(values), [values.length]),
  };
}

async function probe(predictor: ModelPredictor, manifest: OnnxManifest): Promise<void> {
  let predictions: Prediction[];
  try {
    predictions = await predictor.predictBatch(PROBE_TEXTS);
  } catch (error) {
    if (error instanceof ModelKindError) throw error;
    const reason = String((error as Error).message ?? error).split('\n')[0];
    throw new ModelKindError(`the graph fails on a sample text: ${reason}`);
  }
  for (const prediction of predictions) {
    const values = Object.values(prediction.scores);
    if (values.some((value) => !Number.isFinite(value))) {
      throw new ModelKindError(`graph output "${manifest.output.name}" holds a score that is not finite`);
    }
    const sum = values.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE || values.some((value) => value < 0)) {
      throw new ModelKindError(
        `graph output "${manifest.output.name}" is declared to hold probabilities but they sum to ${sum.toFixed(4)}, not 1 (declare "holds": "logits" if they are logits)`,
      );
    }
  }
}
