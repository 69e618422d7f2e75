import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactMetadata } from './artifact.ts';
import { ArtifactError, deserializeClassifier, serializeClassifier } from './artifact.ts';
import { DEFAULT_FEATURES } from './feature-config.ts';
import type { LinearTextModel } from './linear-model.ts';
import { createClassifier } from './linear-model.ts';
import { syntheticCorpus } from './test-corpus.ts';
import { trainClassifier } from './train.ts';

const metadata: ArtifactMetadata = {
  trainer: 'builtin',
  datasetId: 'ds-1',
  seed: 3,
  params: { epochs: 3 },
  metrics: { accuracy: 0.99 },
};
let model: LinearTextModel;
let bytes: Uint8Array;
const texts = syntheticCorpus({ labels: ['ham', 'spam'], perLabel: 30, seed: 5 }).map(
  (example) => example.text,
);

beforeAll(async () => {
  const examples = syntheticCorpus({ labels: ['ham', 'spam'], perLabel: 60, seed: 4 });
  model = (
    await trainClassifier({
      examples,
      labels: ['ham', 'spam'],
      features: { ...DEFAULT_FEATURES, dimension: 1 << 12 },
      seed: 3,
      params: { epochs: 3 },
    })
  ).model;
  bytes = serializeClassifier(model, metadata);
});

/** Rewrites one field of the artifact's JSON. */
function tampered(change: (document: Record<string, unknown>) => void): Uint8Array {
  const document = JSON.parse(new TextDecoder().decode(bytes));
  change(document);
  return new TextEncoder().encode(JSON.stringify(document));
}

describe('classifier artifact', () => {
  it('round-trips: the loaded classifier predicts exactly like the trained one and keeps its metadata', () => {
    const loaded = deserializeClassifier(bytes);
    const original = createClassifier(model);
    for (const text of texts) expect(loaded.predict(text)).toEqual(original.predict(text));
    expect(loaded.metadata).toEqual(metadata);
    expect(loaded.model.labels).toEqual(['ham', 'spam']);
    expect(serializeClassifier(loaded.model, loaded.metadata)).toEqual(bytes);
  });

  it('stores only the rows training touched', () => {
    const dense = model.features.dimension * model.labels.length * 4;
    expect(bytes.length).toBeLessThan(dense);
  });

  it('explains what is wrong with a corrupt artifact', () => {
    const failure = (input: Uint8Array | string) => {
      try {
        deserializeClassifier(input);
      } catch (error) {
        expect(error).toBeInstanceOf(ArtifactError);
        return (error as Error).message;
      }
      throw new Error('expected the artifact to be rejected');
    };
    expect(failure(bytes.subarray(0, bytes.length - 10))).toMatch(/not UTF-8 JSON/);
    expect(failure(new Uint8Array([0xff, 0xfe]))).toMatch(/not UTF-8 JSON/);
    expect(failure('{"format":"onnx"}')).toMatch(
      /format "onnx", this version reads "flywheel.text-classifier\/v1"/,
    );
    expect(failure(tampered((d) => delete d.labels))).toMatch(/labels/);
    expect(failure(tampered((d) => (d.labels = ['ham', 'ham'])))).toMatch(/distinct/);
    expect(failure(tampered((d) => (d.bias = [0])))).toMatch(/1 biases for 2 labels/);
    expect(failure(tampered((d) => ((d.features as { dimension: number }).dimension = 1000)))).toMatch(
      /power of two/,
    );
    expect(failure(tampered((d) => ((d.weights as { blocks: string[] }).blocks[0] = 'AAAAAA==')))).toMatch(
      /weights are corrupt: block 0 holds/,
    );
    expect(failure(tampered((d) => ((d.weights as { rows: string }).rows = '/////w==')))).toMatch(
      /out of range/,
    );
    expect(failure(tampered((d) => ((d.weights as { rows: string }).rows = 'not base64!')))).toMatch(
      /weights are corrupt/,
    );
  });
});
