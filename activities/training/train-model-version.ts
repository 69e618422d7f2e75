import { createHash } from 'node:crypto';
import { ArtifactRefusedError, type Trainer } from '../../adapters/trainers/trainer.ts';
import { FRESH_LABEL_WEIGHT_PARAM, weightFreshLabels } from '../../core/datasets/fresh-label-weight.ts';
import { WARM_START_FROM, WARM_START_PARAM } from '../../core/model/warm-start.ts';
import { invalidInput, notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import { trainersFromEnvironment } from './trainer-registry.ts';

const DEFAULT_SEED = 42;

export interface TrainRequest {
  model: string;
  datasetId: string;
  /**
   * Trainer params; `seed` among them seeds the run (default 42), `freshLabelWeight` repeats the labels cycles
   * gathered in the train split (default 1) and `warmStart: true` starts from the model's champion (default
   * false); none of them reaches the trainer as a param.
   */
  params: Record<string, unknown>;
  /** Name of the trainer in the worker's registry (`training.trainer` of the cycle config). */
  trainer?: string;
}

export interface TrainHooks {
  /** Checkpoint bytes an earlier attempt of this request stored. */
  resumeFrom?: Uint8Array | null;
  onCheckpoint?: (checkpoint: Uint8Array, at: { epoch: number }) => Promise<void>;
  onProgress?: (progress: { epoch: number; epochs: number; loss: number | null }) => void;
  checkpointEveryMs?: number;
  signal?: AbortSignal;
  /** CPU-seconds of an external trainer's programs so far (adapters/trainers/trainer.ts). */
  onCpuSeconds?: (seconds: number) => void;
  /** Last word before the version is registered: throwing here (a budget gone over) registers nothing. */
  beforeRegister?: () => void;
}

export interface TrainedVersion {
  versionId: string;
  holdoutAccuracy: number;
  reused: boolean;
  resumedFromEpoch: number | null;
}

/** The version id of a training request: the same dataset, trainer, params and seed name the same model. */
export function modelVersionId(request: TrainRequest, trainerName: string): string {
  const { seed = DEFAULT_SEED, ...params } = request.params;
  const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
  return `mv-${createHash('sha256')
    .update(JSON.stringify([request.datasetId, trainerName, sorted, seed]))
    .digest('hex')
    .slice(0, 20)}`;
}

/**
 * Trains a model on a dataset version's train split with the named trainer (adapters/trainers),
 * which measures it on the holdout; stores the artifact and registers the version. A version already
 * registered is returned as it is (idempotent).
 */
export async function trainModelVersion(
  deps: Pick<ActivityDeps, 'store' | 'artifacts' | 'trainers'>,
  request: TrainRequest,
  hooks: TrainHooks = {},
): Promise<TrainedVersion> {
  const { store, artifacts } = deps;
  const trainer = pickTrainer(deps.trainers ?? trainersFromEnvironment(), request.trainer ?? 'builtin');
  const warmStart = request.params[WARM_START_PARAM] ?? false;
  if (typeof warmStart !== 'boolean')
    throw invalidInput(`training param "${WARM_START_PARAM}" must be true or false`);
  // The version started from is part of what the request means: its id names the version.
  const startVersionId = warmStart ? await store.models.alias(request.model, 'champion') : null;
  const versionId = modelVersionId(
    startVersionId === null
      ? request
      : { ...request, params: { ...request.params, [WARM_START_PARAM]: startVersionId } },
    trainer.name,
  );
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
  const {
    seed = DEFAULT_SEED,
    [FRESH_LABEL_WEIGHT_PARAM]: freshLabelWeight = 1,
    [WARM_START_PARAM]: _warmStart,
    ...params
  } = request.params;
  if (typeof seed !== 'number') throw invalidInput('training param "seed" must be a number');
  if (typeof freshLabelWeight !== 'number' || !Number.isInteger(freshLabelWeight) || freshLabelWeight < 1) {
    throw invalidInput(`training param "${FRESH_LABEL_WEIGHT_PARAM}" must be a whole number ≥ 1`);
  }
  const train = weightFreshLabels(await store.datasets.items(request.datasetId, 'train'), freshLabelWeight);
  const holdout = await store.datasets.items(request.datasetId, 'holdout');
  const labels = [...new Set(train.map((item) => item.label))].sort();
  if (labels.length < 2) {
    throw invalidInput(`dataset ${request.datasetId} has fewer than two labels in its train split`);
  }
  const startFrom = startVersionId === null ? null : await artifactOf(deps, startVersionId);

  // A refused artifact fails the training at once, before anything is registered: the champion serves on.
  const result = await trainer
    .train({
      datasetId: request.datasetId,
      labels,
      train,
      holdout,
      params,
      seed,
      startFrom,
      resumeFrom: hooks.resumeFrom ?? null,
      ...(hooks.onCheckpoint ? { onCheckpoint: hooks.onCheckpoint } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      ...(hooks.checkpointEveryMs !== undefined ? { checkpointEveryMs: hooks.checkpointEveryMs } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onCpuSeconds ? { onCpuSeconds: hooks.onCpuSeconds } : {}),
    })
    .catch((error: unknown) => {
      throw error instanceof ArtifactRefusedError ? invalidInput(error.message) : error;
    });
  hooks.beforeRegister?.();
  const artifactSha256 = await artifacts.put(result.artifact);
  const { created } = await store.models.register({
    id: versionId,
    model: request.model,
    artifactSha256,
    datasetId: request.datasetId,
    labels,
    trainer: result.trainer,
    params: {
      ...result.params,
      seed,
      ...(FRESH_LABEL_WEIGHT_PARAM in request.params ? { [FRESH_LABEL_WEIGHT_PARAM]: freshLabelWeight } : {}),
      ...(startVersionId === null ? {} : { [WARM_START_FROM]: startVersionId }),
    },
    metrics: result.metrics,
    blessedBy: null,
    createdAt: Date.now(),
  });
  return {
    versionId,
    holdoutAccuracy: result.metrics.accuracy ?? 0,
    reused: !created,
    resumedFromEpoch: result.resumedFromEpoch,
  };
}

/** The artifact of the version a warm start begins from; a missing one is a broken registry, not a retry. */
async function artifactOf(deps: Pick<ActivityDeps, 'store' | 'artifacts'>, versionId: string) {
  const version = await deps.store.models.get(versionId);
  if (!version) throw notFound(`champion ${versionId} to start training from is not in the registry`);
  return deps.artifacts.get(version.artifactSha256);
}

function pickTrainer(trainers: Readonly<Record<string, Trainer>>, name: string): Trainer {
  const trainer = trainers[name];
  if (!trainer) {
    throw invalidInput(
      `no trainer "${name}" on this worker (it has ${Object.keys(trainers).join(', ')}); ` +
        'an external one is given with FLYWHEEL_EXTERNAL_TRAINER',
    );
  }
  return trainer;
}
