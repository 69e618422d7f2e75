import { sha256OfText } from '../../core/hashing/sha256.ts';
import { classificationMetrics } from '../../core/metrics/classification-metrics.ts';
import { deserializeClassifier, serializeClassifier } from '../../core/model/artifact.ts';
import type { EpochProgress, TrainingCheckpoint } from '../../core/model/checkpoint.ts';
import { createClassifier } from '../../core/model/linear-model.ts';
import { trainClassifier } from '../../core/model/train.ts';
import { invalidInput, notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';

export const BUILTIN_TRAINER = 'builtin/logistic-regression@1';
const DEFAULT_SEED = 42;

export interface TrainRequest {
  model: string;
  datasetId: string;
  /** Trainer params; `seed` among them seeds the run (default 42). */
  params: Record<string, unknown>;
}

export interface TrainHooks {
  resumeFrom?: TrainingCheckpoint | null;
  onEpoch?: (checkpoint: TrainingCheckpoint, progress: EpochProgress) => Promise<void>;
  signal?: AbortSignal;
}

export interface TrainedVersion {
  versionId: string;
  holdoutAccuracy: number;
  reused: boolean;
  resumedFromEpoch: number | null;
}

/** The version id of a training request: the same dataset, trainer, params and seed name the same model. */
export function modelVersionId(request: TrainRequest): string {
  const { seed = DEFAULT_SEED, ...params } = request.params;
  const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
  return `mv-${sha256OfText(JSON.stringify([request.datasetId, BUILTIN_TRAINER, sorted, seed])).slice(0, 20)}`;
}

/**
 * Trains a model on a dataset version's train split with the built-in trainer, measures it on the
 * holdout, stores the artifact and registers the version. A version already registered is returned
 * as it is (idempotent).
 */
export async function trainModelVersion(
  { store, artifacts }: Pick<ActivityDeps, 'store' | 'artifacts'>,
  request: TrainRequest,
  hooks: TrainHooks = {},
): Promise<TrainedVersion> {
  const versionId = modelVersionId(request);
  const existing = await store.models.get(versionId);
  if (existing) {
    return {
      versionId,
      holdoutAccuracy: existing.metrics.accuracy ?? 0,
      reused: true,
      resumedFromEpoch: null,
    };
  }

  const dataset = await store.datasets.get(request.datasetId);
  if (!dataset) throw notFound(`dataset ${request.datasetId} is not in the store`);
  const train = await store.datasets.items(request.datasetId, 'train');
  const holdout = await store.datasets.items(request.datasetId, 'holdout');
  const labels = [...new Set(train.map((item) => item.label))].sort();
  if (labels.length < 2)
    throw invalidInput(`dataset ${request.datasetId} has fewer than two labels in its train split`);

  const { seed = DEFAULT_SEED, ...params } = request.params;
  if (typeof seed !== 'number') throw invalidInput('training param "seed" must be a number');
  const trained = await trainClassifier({
    examples: train,
    labels,
    params,
    seed,
    resumeFrom: hooks.resumeFrom ?? null,
    ...(hooks.onEpoch ? { onEpoch: hooks.onEpoch } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  const classifier = createClassifier(trained.model);
  const metrics = classificationMetrics(
    holdout.map((item) => ({ actual: item.label, predicted: classifier.predict(item.text).label })),
    labels,
  );
  const figures = { accuracy: metrics.accuracy, macroF1: metrics.macroF1, holdoutSize: holdout.length };
  const bytes = serializeClassifier(trained.model, {
    trainer: BUILTIN_TRAINER,
    datasetId: request.datasetId,
    seed,
    params: trained.params,
    metrics: figures,
  });
  deserializeClassifier(bytes);
  const artifactSha256 = await artifacts.put(bytes);
  const { created } = await store.models.register({
    id: versionId,
    model: request.model,
    artifactSha256,
    datasetId: request.datasetId,
    labels,
    trainer: BUILTIN_TRAINER,
    params: { ...trained.params, seed },
    metrics: figures,
    blessedBy: null,
    createdAt: Date.now(),
  });
  return {
    versionId,
    holdoutAccuracy: metrics.accuracy,
    reused: !created,
    resumedFromEpoch: hooks.resumeFrom?.epoch ?? null,
  };
}
