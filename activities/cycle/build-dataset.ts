import { type AcceptedLabel, nextDatasetVersion } from '../../core/datasets/next-version.ts';
import { contentIdOf } from '../../core/review/batch-items.ts';
import { notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import type { BuildDatasetInput, BuildDatasetResult } from './contracts.ts';
import { heartbeating } from './heartbeating.ts';

/** Seed of every dataset split, so an item stays on its side from version to version. */
export const DATASET_SPLIT_SEED = 20_240_601;

/** Versions the cycle's accepted labels onto the champion's dataset (core/datasets/next-version.ts). */
export function buildDatasetActivity({ store }: ActivityDeps) {
  return (input: BuildDatasetInput): Promise<BuildDatasetResult> =>
    heartbeating((beat) => buildDataset(input, beat));

  async function buildDataset(input: BuildDatasetInput, beat: () => void): Promise<BuildDatasetResult> {
    const parent = await store.datasets.get(input.parentDatasetId);
    if (!parent) throw notFound(`dataset ${input.parentDatasetId} is not in the store`);
    const parentItems = await store.datasets.items(parent.id);
    const reviewItems = await store.reviewItems.listByCycle(input.cycleId);
    const accepted: AcceptedLabel[] = [];
    const bySource = { auto: 0, human: 0 };
    for (const item of reviewItems) {
      if ((item.status !== 'approved' && item.status !== 'corrected') || item.finalLabel === null) continue;
      const prediction = item.predictionId ? await store.predictions.get(item.predictionId) : null;
      beat();
      const byRule = item.decidedBy.every((who) => who.startsWith('rule:'));
      bySource[byRule ? 'auto' : 'human'] += 1;
      accepted.push({
        id: contentIdOf(item.id),
        text: item.text,
        label: item.finalLabel,
        servedLabel: prediction?.label ?? null,
        group: prediction?.metadata.group ?? null,
        predictionId: item.predictionId,
        reason: item.reason,
        source: {
          kind: byRule ? 'auto' : 'human',
          by: item.decidedBy.join(',') || 'unknown',
          cycle: input.number,
          batchId: input.batchId,
        },
      });
    }
    // Items whose user asked to be forgotten leave the dataset from this version on.
    const forgotten = await store.privacy.forgottenAmong([
      ...parentItems.map((item) => item.id),
      ...accepted.map((label) => label.id),
    ]);
    const next = nextDatasetVersion({
      forgotten,
      model: input.model,
      parent,
      parentItems,
      accepted,
      cycle: input.number,
      batchId: input.batchId,
      holdoutShare: input.dataset.holdoutShare,
      goldenShare: input.dataset.goldenShare,
      seed: DATASET_SPLIT_SEED,
      createdAt: Date.now(),
    });
    beat();
    await store.datasets.create(next.version, next.items);
    return { datasetId: next.version.id, added: next.added, counts: next.version.counts, bySource };
  }
}
