import { setImmediate as nextTurn } from 'node:timers/promises';

import { deserializeClassifier, serializeClassifier } from '../../core/model/artifact.ts';

import { builtinPredictor } from '../../core/model/builtin-kind.ts';
import { deserializeCheckpoint, serializeCheckpoint } from '../../core/model/checkpoint.ts';
import { DEFAULT_FEATURES, FeatureConfig, sameFeatures } from '../../core/model/feature-config.ts';
import { createClassifier, type LinearTextModel } from '../../core/model/linear-model.ts';
import { TrainingParams } from '../../core/model/params.ts';
import { trainClassifier } from '../../core/model/train.ts';
import { readableIssues } from '../../core/validation/zod-issues.ts';
import { checkLabels, holdoutMetrics } from './holdout-metrics.ts';
import type { Trainer, TrainingRequest, TrainingResult } from './trainer.ts';

export const BUILTIN_TRAINER = 'builtin/logistic-regression@1';

/** The built-in trainer's params: the optimiser's, plus any feature settings to change from the defaults. */
export const BuiltinTrainerParams = TrainingParams.extend({
  features: FeatureConfig.partial().default({}),
});

/** core/model's classifier, trained in this process. */
export function createBuiltinTrainer(): Trainer {
  return { name: BUILTIN_TRAINER, train: trainBuiltin };
}

async function trainBuiltin(request: TrainingRequest): Promise<TrainingResult> {
  checkLabels(request.labels, [...request.train, ...request.holdout]);
  const parsed = BuiltinTrainerParams.safeParse(request.params);
  if (!parsed.success)
    throw new Error(`builtin trainer params are invalid: ${readableIssues(parsed.error).join('; ')}`);
  const { features: featureChanges, ...optimizer } = parsed.data;
  const features = FeatureConfig.parse({ ...DEFAULT_FEATURES, ...featureChanges });
  const resumeFrom = request.resumeFrom ? deserializeCheckpoint(request.resumeFrom) : null;
  const everyMs = request.checkpointEveryMs ?? 0;
  let lastCheckpointAt = Date.now();

  const trained = await trainClassifier({
    examples: request.train,
    labels: request.labels,
    params: optimizer,
    features,
    seed: request.seed,
    resumeFrom,
    startFrom: startingModel(request.startFrom ?? null, request.labels, features),
    ...(request.signal ? { signal: request.signal } : {}),
    onEpoch: async (checkpoint, progress) => {
      await request.onProgress?.({
        epoch: progress.epoch,
        epochs: progress.epochs,
        loss: progress.loss,
        metrics: { trainAccuracy: progress.trainAccuracy },
      });
      const last = progress.epoch === progress.epochs;
      if (request.onCheckpoint && (last || Date.now() - lastCheckpointAt >= everyMs)) {
        await request.onCheckpoint(serializeCheckpoint(checkpoint), { epoch: progress.epoch });
        lastCheckpointAt = Date.now();
      }
      // Training is synchronous within an epoch: give timers and I/O (heartbeats, cancellation) a turn.
      await nextTurn();
    },
  });

  const metrics = await holdoutMetrics(
    builtinPredictor(createClassifier(trained.model)),
    request.holdout,
    request.labels,
  );
  const params = { ...trained.params, features };
  const artifact = serializeClassifier(trained.model, {
    trainer: BUILTIN_TRAINER,
    datasetId: request.datasetId,
    seed: trained.seed,
    params,
    metrics,
  });
  return { trainer: BUILTIN_TRAINER, artifact, metrics, params, resumedFromEpoch: resumeFrom?.epoch ?? null };
}

/** The built-in model in `artifact` when this run can start from it: same labels and features; else null. */
function startingModel(
  artifact: Uint8Array | null,
  labels: readonly string[],
  features: FeatureConfig,
): LinearTextModel | null {
  if (artifact === null) return null;
  let model: LinearTextModel;
  try {
    model = deserializeClassifier(artifact).model;
  } catch {
    return null; // another kind (an ONNX graph): nothing this trainer can start from
  }
  const sameLabels = model.labels.join('\u0000') === labels.join('\u0000');
  return sameLabels && sameFeatures(model.features, features) ? model : null;
}
