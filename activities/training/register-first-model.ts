import type { DatasetVersion } from '../../core/datasets/dataset.ts';
import { type SeedExample, seedDatasetVersion } from '../../core/datasets/seed-version.ts';
import { DATASET_SPLIT_SEED } from '../cycle/build-dataset.ts';
import type { ActivityDeps } from '../deps.ts';
import { moveChampion } from '../rollout/move-champion.ts';
import { type TrainedVersion, trainModelVersion } from './train-model-version.ts';

export interface FirstModelRequest {
  model: string;
  examples: readonly SeedExample[];
  /** Where the examples came from, e.g. "spamassassin:easy-ham-1,spam-1" (kept in the lineage). */
  source: string;
  params?: Record<string, unknown>;
  /**
   * Make it the champion: always, only when the model has none yet, or never (the caller moves the
   * champion itself, e.g. `flywheel models train` through the championChange workflow).
   */
  champion: 'always' | 'if-none' | 'never';
  holdoutShare?: number;
  actor: string;
}

export interface FirstModel extends TrainedVersion {
  datasetId: string;
  counts: { train: number; holdout: number; golden: number };
  isChampion: boolean;
}

/** Versions a labelled corpus as a dataset (its id is its content hash: the same corpus, the same id). */
export async function versionCorpus(
  deps: Pick<ActivityDeps, 'store'>,
  request: Pick<FirstModelRequest, 'model' | 'examples' | 'source' | 'holdoutShare'>,
): Promise<DatasetVersion> {
  const { version, items } = seedDatasetVersion({
    model: request.model,
    examples: request.examples,
    source: request.source,
    holdoutShare: request.holdoutShare ?? 0.2,
    seed: DATASET_SPLIT_SEED,
    createdAt: Date.now(),
  });
  await deps.store.datasets.create(version, items);
  return version;
}

/**
 * Versions a labelled corpus as a dataset, trains a model on it and registers it — the champion when
 * asked or when the model has none. What `flywheel models train` does; idempotent like its parts.
 */
export async function registerModelFromCorpus(
  deps: Pick<ActivityDeps, 'store' | 'artifacts' | 'flags'>,
  request: FirstModelRequest,
): Promise<FirstModel> {
  const version = await versionCorpus(deps, request);
  const trained = await trainModelVersion(deps, {
    model: request.model,
    datasetId: version.id,
    params: request.params ?? {},
  });
  const current = await deps.store.models.alias(request.model, 'champion');
  const promote =
    request.champion === 'always'
      ? current !== trained.versionId
      : request.champion === 'if-none' && current === null;
  if (promote) {
    // Registry and flags together, so the gateways serve the new champion even after a rollout pinned one.
    await moveChampion(deps, {
      model: request.model,
      to: trained.versionId,
      from: current,
      reason: `trained on ${request.source}`,
      actor: request.actor,
    });
  }
  return {
    ...trained,
    datasetId: version.id,
    counts: version.counts,
    isChampion: promote || current === trained.versionId,
  };
}
