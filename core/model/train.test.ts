import { describe, expect, it } from 'vitest';
import { serializeClassifier } from './artifact.ts';
import type { EpochProgress, TrainingCheckpoint } from './checkpoint.ts';
import { deserializeCheckpoint, serializeCheckpoint } from './checkpoint.ts';
import { DEFAULT_FEATURES } from './feature-config.ts';
import { createClassifier } from './linear-model.ts';
import { syntheticCorpus } from './test-corpus.ts';
import type { TrainClassifierInput } from './train.ts';
import { trainClassifier } from './train.ts';

const labels = ['billing', 'outage', 'praise'];
const features = { ...DEFAULT_FEATURES, dimension: 1 << 14 };
const train = syntheticCorpus({ labels, perLabel: 120, seed: 1 });
const holdout = syntheticCorpus({ labels, perLabel: 40, seed: 2 });
const base: TrainClassifierInput = { examples: train, labels, features, params: { epochs: 4 }, seed: 11 };

const artifactOf = (result: Awaited<ReturnType<typeof trainClassifier>>) =>
  serializeClassifier(result.model, {
    trainer: 'builtin',
    datasetId: null,
    seed: 11,
    params: {},
    metrics: {},
  });

describe('trainClassifier', () => {
  it('learns a separable problem: high holdout accuracy, falling loss', async () => {
    const result = await trainClassifier(base);
    const classifier = createClassifier(result.model);
    const right = holdout.filter(
      (example) => classifier.predict(example.text).label === example.label,
    ).length;
    expect(right / holdout.length).toBeGreaterThanOrEqual(0.95);
    const losses = result.history.map((epoch) => epoch.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]!);
    // Before training every label is equally likely: the first epoch starts at ln(3).
    expect(losses[0]).toBeLessThan(Math.log(3));
  });

  it('predicts probabilities over every label, the best one first', async () => {
    const classifier = createClassifier((await trainClassifier(base)).model);
    const prediction = classifier.predict('outage3 outage7 the outage1');
    expect(prediction.label).toBe('outage');
    expect(Object.keys(prediction.scores)).toEqual(labels);
    expect(Object.values(prediction.scores).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(prediction.confidence).toBe(Math.max(...Object.values(prediction.scores)));
  });

  it('is deterministic: the same seed gives identical artifact bytes, another seed does not', async () => {
    const first = artifactOf(await trainClassifier(base));
    const second = artifactOf(await trainClassifier(base));
    expect(second).toEqual(first);
    const reseeded = artifactOf(await trainClassifier({ ...base, seed: 12 }));
    expect(reseeded).not.toEqual(first);
  });

  it('resumed from any epoch checkpoint, ends with exactly the weights of an uninterrupted run', async () => {
    const checkpoints: TrainingCheckpoint[] = [];
    const progress: EpochProgress[] = [];
    const uninterrupted = await trainClassifier({
      ...base,
      onEpoch: (checkpoint, epoch) => {
        checkpoints.push(checkpoint);
        progress.push(epoch);
      },
    });
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(progress.every((p) => p.epochs === 4)).toBe(true);
    for (const checkpoint of checkpoints.slice(0, 3)) {
      // Through bytes, as an activity retried on another worker would get it.
      const resumeFrom = deserializeCheckpoint(serializeCheckpoint(checkpoint));
      const resumed = await trainClassifier({ ...base, resumeFrom });
      expect(Buffer.from(resumed.model.weights.buffer)).toEqual(
        Buffer.from(uninterrupted.model.weights.buffer),
      );
      expect(artifactOf(resumed)).toEqual(artifactOf(uninterrupted));
      expect(resumed.history).toEqual(uninterrupted.history);
    }
  });

  it('averaged runs: the mean of the weights of runs seeded seed, seed + 1, …, epochs counted across them', async () => {
    const runs = await Promise.all(
      [11, 12, 13].map((seed) => trainClassifier({ ...base, params: { epochs: 2 }, seed })),
    );
    const averaged = await trainClassifier({ ...base, params: { epochs: 2, averagedRuns: 3 } });
    expect(averaged.history.map((p) => [p.epoch, p.epochs])).toEqual([
      [1, 6],
      [2, 6],
      [3, 6],
      [4, 6],
      [5, 6],
      [6, 6],
    ]);
    const mean = (pick: (model: (typeof runs)[number]['model']) => Float32Array, i: number) =>
      Math.fround(
        Math.fround(Math.fround(pick(runs[0]!.model)[i]!) + pick(runs[1]!.model)[i]!) +
          pick(runs[2]!.model)[i]!,
      ) / 3;
    for (let i = 0; i < averaged.model.weights.length; i++) {
      expect(averaged.model.weights[i]).toBe(Math.fround(mean((model) => model.weights, i)));
    }
    for (let i = 0; i < averaged.model.bias.length; i++) {
      expect(averaged.model.bias[i]).toBe(Math.fround(mean((model) => model.bias, i)));
    }
    // One run is what training was before the param existed.
    const single = await trainClassifier({ ...base, params: { epochs: 2, averagedRuns: 1 } });
    expect(artifactOf(single)).toEqual(artifactOf(runs[0]!));
  });

  it('averaged runs resumed from any checkpoint (inside a run or between runs) end with the same weights', async () => {
    const params = { epochs: 2, averagedRuns: 3 };
    const checkpoints: TrainingCheckpoint[] = [];
    const uninterrupted = await trainClassifier({
      ...base,
      params,
      onEpoch: (checkpoint) => {
        checkpoints.push(checkpoint);
      },
    });
    // Between epochs the sum of the runs finished so far (zeros in the first); the last holds the mean.
    expect(checkpoints.map((checkpoint) => checkpoint.finishedRuns === undefined)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    for (const checkpoint of checkpoints) {
      const resumeFrom = deserializeCheckpoint(serializeCheckpoint(checkpoint));
      const resumed = await trainClassifier({ ...base, params, resumeFrom });
      expect(artifactOf(resumed)).toEqual(artifactOf(uninterrupted));
      expect(resumed.history).toEqual(uninterrupted.history);
    }
    const { finishedRuns: _lost, ...damaged } = checkpoints[2]!;
    await expect(trainClassifier({ ...base, params, resumeFrom: damaged })).rejects.toThrow(
      /lacks the finished runs' weights/,
    );
  });

  it('warm start: begins at the given model, so one epoch on a few new examples keeps what it knew', async () => {
    const accuracy = (model: Awaited<ReturnType<typeof trainClassifier>>['model']) => {
      const classifier = createClassifier(model);
      return (
        holdout.filter((example) => classifier.predict(example.text).label === example.label).length /
        holdout.length
      );
    };
    const first = await trainClassifier(base);
    const few = { ...base, examples: train.slice(0, 12), params: { epochs: 1 } };
    const warm = await trainClassifier({ ...few, startFrom: first.model });
    const cold = await trainClassifier(few);
    expect(accuracy(warm.model)).toBeGreaterThanOrEqual(accuracy(first.model) - 0.05);
    expect(accuracy(warm.model)).toBeGreaterThan(accuracy(cold.model) + 0.1);
    // Its loss starts where the model it began from stands, far below an untrained model's ln(3).
    expect(warm.history[0]!.loss).toBeLessThan(0.5 * Math.log(3));

    // A warm-started run resumes from its checkpoints like any other, and only with the same start.
    const checkpoints: TrainingCheckpoint[] = [];
    const straight = await trainClassifier({
      ...base,
      startFrom: first.model,
      onEpoch: (checkpoint) => {
        checkpoints.push(checkpoint);
      },
    });
    const resumed = await trainClassifier({ ...base, startFrom: first.model, resumeFrom: checkpoints[1]! });
    expect(artifactOf(resumed)).toEqual(artifactOf(straight));
    await expect(trainClassifier({ ...base, resumeFrom: checkpoints[1]! })).rejects.toThrow(
      /checkpoint belongs to another training run/,
    );
  });

  it('refuses to start from a model of other labels or features', async () => {
    const first = await trainClassifier(base);
    await expect(
      trainClassifier({ ...base, labels: ['outage', 'billing', 'praise'], startFrom: first.model }),
    ).rejects.toThrow(/labels billing, outage, praise, this run outage, billing, praise/);
    await expect(
      trainClassifier({ ...base, features: { ...features, ngrams: 1 }, startFrom: first.model }),
    ).rejects.toThrow(/other feature settings/);
  });

  it('refuses a checkpoint of another run', async () => {
    let checkpoint: TrainingCheckpoint | undefined;
    await trainClassifier({
      ...base,
      params: { epochs: 1 },
      onEpoch: (c) => {
        checkpoint = c;
      },
    });
    await expect(
      trainClassifier({ ...base, params: { epochs: 1 }, seed: 99, resumeFrom: checkpoint }),
    ).rejects.toThrow(/another training run/);
    await expect(
      trainClassifier({ ...base, params: { epochs: 1 }, examples: train.slice(1), resumeFrom: checkpoint }),
    ).rejects.toThrow(/another training run/);
  });

  it('stops when its signal is aborted, with the signal reason', async () => {
    const controller = new AbortController();
    const run = trainClassifier({
      ...base,
      signal: controller.signal,
      onEpoch: (_checkpoint, progress) => {
        if (progress.epoch === 2) controller.abort(new Error('worker shutting down'));
      },
    });
    await expect(run).rejects.toThrow('worker shutting down');
  });

  it('rejects unknown example labels and degenerate label sets', async () => {
    await expect(trainClassifier({ ...base, labels: ['billing', 'outage'] })).rejects.toThrow(
      /example 2 has label "praise", not one of: billing, outage/,
    );
    await expect(trainClassifier({ ...base, labels: ['billing'] })).rejects.toThrow(/at least 2 labels/);
    await expect(trainClassifier({ ...base, labels: ['a', 'a'] })).rejects.toThrow(/repeat/);
  });
});
