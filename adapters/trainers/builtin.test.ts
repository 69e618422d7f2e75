import { describe, expect, it } from 'vitest';
import { deserializeClassifier } from '../../core/model/artifact.ts';
import { syntheticCorpus } from '../../core/model/test-corpus.ts';
import { BUILTIN_TRAINER, createBuiltinTrainer } from './builtin.ts';
import type { TrainingProgress, TrainingRequest } from './trainer.ts';

const labels = ['billing', 'outage'];
const request: TrainingRequest = {
  datasetId: 'ds-7',
  labels,
  train: syntheticCorpus({ labels, perLabel: 100, seed: 1 }),
  holdout: syntheticCorpus({ labels, perLabel: 30, seed: 2 }),
  params: { epochs: 3, features: { dimension: 4096 } },
  seed: 5,
};

describe('builtin trainer', () => {
  it('starts from a built-in artifact of the same labels and features; from anything else, from zeros', async () => {
    const trainer = createBuiltinTrainer();
    const first = await trainer.train(request);
    const few = { ...request, train: request.train.slice(0, 6), params: { ...request.params, epochs: 1 } };
    const firstEpochLoss = async (startFrom: Uint8Array | null) => {
      const progress: TrainingProgress[] = [];
      await trainer.train({ ...few, startFrom, onProgress: (p) => void progress.push(p) });
      return progress[0]!.loss!;
    };
    const cold = await firstEpochLoss(null);
    // Started from the trained model, the first epoch's loss is far below an untrained model's.
    expect(await firstEpochLoss(first.artifact)).toBeLessThan(cold / 2);
    // Other features, or bytes that are no built-in artifact: trained from zeros, the same as no start.
    const otherFeatures = await trainer.train({
      ...request,
      params: { ...request.params, features: { dimension: 2048 } },
    });
    expect(await firstEpochLoss(otherFeatures.artifact)).toBe(cold);
    expect(await firstEpochLoss(new TextEncoder().encode('not an artifact'))).toBe(cold);
  });

  it('trains, reports progress per epoch, and returns a loadable artifact with holdout metrics', async () => {
    const progress: TrainingProgress[] = [];
    const result = await createBuiltinTrainer().train({
      ...request,
      onProgress: (p) => void progress.push(p),
    });
    expect(progress.map((p) => [p.epoch, p.epochs])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(progress[0]!.loss).toBeGreaterThan(0);
    expect(progress[0]!.metrics.trainAccuracy).toBeGreaterThan(0.5);
    expect(result.trainer).toBe(BUILTIN_TRAINER);
    expect(result.metrics.holdoutSize).toBe(60);
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.params).toMatchObject({
      epochs: 3,
      batchSize: 32,
      features: { dimension: 4096, ngrams: 2 },
    });
    const loaded = deserializeClassifier(result.artifact);
    expect(loaded.metadata).toMatchObject({ trainer: BUILTIN_TRAINER, datasetId: 'ds-7', seed: 5 });
    expect(loaded.metadata.metrics).toEqual(result.metrics);
    expect(result.resumedFromEpoch).toBeNull();
  });

  it('resumes from checkpoint bytes and ends with the same artifact as an uninterrupted run', async () => {
    const trainer = createBuiltinTrainer();
    const checkpoints: Uint8Array[] = [];
    const whole = await trainer.train({ ...request, onCheckpoint: (bytes) => void checkpoints.push(bytes) });
    expect(checkpoints).toHaveLength(3);

    // An attempt that dies after its first checkpoint; the retry gets those bytes back.
    const controller = new AbortController();
    let saved: Uint8Array | null = null;
    const crashed = trainer.train({
      ...request,
      signal: controller.signal,
      onCheckpoint: (bytes) => {
        saved = bytes;
        controller.abort(new Error('worker crashed'));
      },
    });
    await expect(crashed).rejects.toThrow('worker crashed');
    const retried = await trainer.train({ ...request, resumeFrom: saved });
    expect(retried.resumedFromEpoch).toBe(1);
    expect(retried.artifact).toEqual(whole.artifact);
  });

  it("averaged runs: progress counts every run's epochs, and a retry after a crash between runs ends alike", async () => {
    const trainer = createBuiltinTrainer();
    const averaged = { ...request, params: { ...request.params, epochs: 2, averagedRuns: 3 } };
    const progress: TrainingProgress[] = [];
    const whole = await trainer.train({ ...averaged, onProgress: (p) => void progress.push(p) });
    expect(progress.map((p) => `${p.epoch}/${p.epochs}`)).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(whole.params).toMatchObject({ epochs: 2, averagedRuns: 3 });
    // Dies right after the first run ended (epoch 2 of 6); the retry starts the second run from the bytes.
    const controller = new AbortController();
    let saved: Uint8Array | null = null;
    const crashed = trainer.train({
      ...averaged,
      signal: controller.signal,
      onCheckpoint: (bytes, at) => {
        saved = bytes;
        if (at.epoch === 2) controller.abort(new Error('worker crashed'));
      },
    });
    await expect(crashed).rejects.toThrow('worker crashed');
    const retried = await trainer.train({ ...averaged, resumeFrom: saved });
    expect(retried.resumedFromEpoch).toBe(2);
    expect(retried.artifact).toEqual(whole.artifact);
    await expect(
      trainer.train({ ...request, params: { ...request.params, averagedRuns: 17 } }),
    ).rejects.toThrow(/builtin trainer params are invalid[\s\S]*averagedRuns/);
  });

  it('checkpoints no more often than asked, but always at the last epoch', async () => {
    const epochs: number[] = [];
    await createBuiltinTrainer().train({
      ...request,
      checkpointEveryMs: 60_000,
      onCheckpoint: (_bytes, at) => void epochs.push(at.epoch),
    });
    expect(epochs).toEqual([3]);
  });

  it('rejects invalid params and labels with a clear message', async () => {
    const trainer = createBuiltinTrainer();
    await expect(trainer.train({ ...request, params: { epochs: 0 } })).rejects.toThrow(
      /builtin trainer params are invalid[\s\S]*epochs/,
    );
    await expect(trainer.train({ ...request, params: { features: { dimension: 1000 } } })).rejects.toThrow(
      /power of two/,
    );
    await expect(trainer.train({ ...request, labels: ['billing'] })).rejects.toThrow(/two distinct labels/);
  });
});
