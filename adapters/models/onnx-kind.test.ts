import { describe, expect, it } from 'vitest';
import { serializeClassifier } from '../../core/model/artifact.ts';
import { DEFAULT_FEATURES } from '../../core/model/feature-config.ts';
import { createClassifier, type LinearTextModel } from '../../core/model/linear-model.ts';
import { ModelKindError } from '../../core/model/model-kind.ts';
import { linearModelGraph, linearModelManifest } from '../../core/onnx/linear-graph.ts';
import { bundleOnnx, type OnnxManifest } from '../../core/onnx/onnx-manifest.ts';
import { modelKinds } from './model-kinds.ts';

const features = { ...DEFAULT_FEATURES, dimension: 4096 };
const model: LinearTextModel = {
  labels: ['ham', 'spam'],
  features,
  weights: new Float32Array(4096 * 2).map((_, i) => Math.sin(i * 0.37) * 2),
  bias: Float32Array.from([0.25, -0.5]),
};
const texts = [
  '',
  'Free money!!! Click here $$$ now',
  'Lunch tomorrow? The report is attached.',
  'ünïcödé 日本語 42',
];
const graph = linearModelGraph(model, 'test');
const manifest = linearModelManifest(model);

async function refusal(artifact: Uint8Array): Promise<string> {
  const error = await modelKinds.load(artifact).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ModelKindError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('model kinds', () => {
  it('loads the built-in and the ONNX export of the same model, which agree within 1e-6', async () => {
    const builtin = await modelKinds.load(serializeClassifier(model, metadata()));
    const onnx = await modelKinds.load(bundleOnnx(manifest, graph));
    expect(builtin.format).toBe('flywheel.text-classifier/v1');
    expect(onnx.format).toBe('onnx/v1');
    expect(onnx.labels).toEqual(['ham', 'spam']);
    expect(onnx.input).toEqual({ kind: 'hashed-ngrams', features });
    const expected = await builtin.predictBatch(texts);
    const served = await onnx.predictBatch(texts);
    const direct = texts.map((text) => createClassifier(model).predict(text));
    expect(expected).toEqual(direct);
    served.forEach((prediction, i) => {
      expect(prediction.label).toBe(expected[i]!.label);
      for (const label of model.labels) {
        expect(Math.abs(prediction.scores[label]! - expected[i]!.scores[label]!)).toBeLessThan(1e-6);
      }
    });
    expect(builtin.vocabularyMeter()).not.toBeNull();
    expect(onnx.vocabularyMeter()).toBeNull();
  });

  it('turns a logits output into probabilities when the manifest says it holds logits', async () => {
    const logits = linearModelGraph(model, 'test', { output: 'logits' });
    const onnx = await modelKinds.load(
      bundleOnnx({ ...manifest, output: { name: 'logits', holds: 'logits' } }, logits),
    );
    const [served] = await onnx.predictBatch([texts[1]!]);
    const expected = createClassifier(model).predict(texts[1]!);
    expect(Math.abs(served!.confidence - expected.confidence)).toBeLessThan(1e-6);
  });

  it('refuses bytes of no known kind', async () => {
    expect(() => modelKinds.kindOf(new TextEncoder().encode('PK\u0003\u0004'))).toThrow(
      /none of the model kinds this deployment serves \(flywheel.text-classifier\/v1, onnx\/v1\)/,
    );
  });

  it('refuses a corrupt or truncated graph in one line', async () => {
    expect(await refusal(bundleOnnx(manifest, graph.subarray(0, graph.length >> 1)))).toMatch(
      /^the .onnx graph cannot be loaded \(corrupt or truncated\?\)/,
    );
    const scrambled = Uint8Array.from(graph);
    scrambled.fill(0xff, 0, 64);
    expect(await refusal(bundleOnnx(manifest, scrambled))).toMatch(/^the .onnx graph cannot be loaded/);
  });

  it('refuses a manifest naming an output the graph lacks', async () => {
    const wrong: OnnxManifest = { ...manifest, output: { name: 'scores', holds: 'probabilities' } };
    expect(await refusal(bundleOnnx(wrong, graph))).toBe(
      'the manifest reads output "scores" but the graph\'s outputs are [probabilities]',
    );
  });

  it('refuses a manifest feeding inputs the graph lacks', async () => {
    const wrong = { ...manifest, input: { ...manifest.input, values: 'weights' } } as OnnxManifest;
    expect(await refusal(bundleOnnx(wrong, graph))).toMatch(
      /^the manifest feeds input "weights" but the graph's inputs are \[indices, values\]/,
    );
  });

  it('refuses probabilities that do not sum to 1', async () => {
    const logits = linearModelGraph(model, 'test', { output: 'logits' });
    const wrong: OnnxManifest = { ...manifest, output: { name: 'logits', holds: 'probabilities' } };
    expect(await refusal(bundleOnnx(wrong, logits))).toMatch(
      /^graph output "logits" is declared to hold probabilities but they sum to -?\d+\.\d{4}, not 1/,
    );
  });

  it('refuses a label count that differs from the graph output', async () => {
    const wrong: OnnxManifest = { ...manifest, labels: ['ham', 'spam', 'phishing'] };
    expect(await refusal(bundleOnnx(wrong, graph))).toBe(
      'graph output "probabilities" has 2 classes, the manifest 3 labels',
    );
  });

  it('refuses a malformed manifest', async () => {
    const bytes = new TextEncoder().encode('onnx/v1\n{"format":"onnx/v1","labels":["a"]}\n');
    expect(await refusal(bytes)).toMatch(/^the ONNX manifest is invalid at labels/);
    expect(await refusal(new TextEncoder().encode('onnx/v1\n{"format"'))).toBe(
      'the ONNX artifact is truncated inside its manifest',
    );
  });
});

function metadata() {
  return { trainer: 'test', datasetId: null, seed: null, params: {}, metrics: {} };
}
