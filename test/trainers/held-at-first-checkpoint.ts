/**
 * A training program for the worker-crash test, speaking the external trainer protocol
 * (adapters/trainers/README.md) around the built-in trainer, so its math and checkpoints are the real ones.
 *
 * A first attempt (no checkpoint to resume from) stops after its first epoch's checkpoint and holds there,
 * announcing that checkpoint again and again, until the worker that started it is gone: whatever the
 * machine's speed, a kill of that worker lands mid-training. A resumed attempt trains to the end.
 *
 *   node test/trainers/held-at-first-checkpoint.ts <manifest.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createBuiltinTrainer } from '../../adapters/trainers/builtin.ts';
import { TrainingManifest } from '../../adapters/trainers/external-protocol.ts';
import type { TrainingExample } from '../../adapters/trainers/trainer.ts';

const ANNOUNCE_EVERY_MS = 250;
const manifestPath = process.argv.at(-1);
if (!manifestPath) throw new Error('usage: held-at-first-checkpoint.ts <manifest.json>');
const manifest = TrainingManifest.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
const parent = process.ppid;

function examples(file: string): TrainingExample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TrainingExample);
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Repeats the checkpoint line (the relay takes one only every so often) until the parent process dies. */
function holdUntilOrphaned(checkpoint: Record<string, unknown>): Promise<never> {
  return new Promise(() => {
    setInterval(() => {
      if (process.ppid !== parent) process.exit(0);
      emit(checkpoint);
    }, ANNOUNCE_EVERY_MS);
  });
}

const resumeFrom = manifest.resumeFrom ? new Uint8Array(readFileSync(manifest.resumeFrom)) : null;
const result = await createBuiltinTrainer().train({
  datasetId: manifest.datasetId,
  labels: manifest.labels,
  train: examples(manifest.trainPath),
  holdout: examples(manifest.holdoutPath),
  params: { ...manifest.params, features: manifest.features },
  seed: manifest.seed,
  resumeFrom,
  checkpointEveryMs: 0,
  onProgress: (progress) =>
    emit({ type: 'progress', epoch: progress.epoch, of: progress.epochs, loss: progress.loss ?? undefined }),
  onCheckpoint: async (bytes, { epoch }) => {
    const name = `checkpoint-${epoch}.bin`;
    writeFileSync(path.join(manifest.outputDir, name), bytes);
    const checkpoint = { type: 'checkpoint', epoch, path: name };
    emit(checkpoint);
    if (resumeFrom === null) await holdUntilOrphaned(checkpoint);
  },
});
writeFileSync(path.join(manifest.outputDir, 'model.json'), result.artifact);
writeFileSync(
  manifest.resultPath,
  JSON.stringify({
    artifact: 'model.json',
    params: result.params,
    resumedFromEpoch: result.resumedFromEpoch,
  }),
);
