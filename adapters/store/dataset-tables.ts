import type { DatasetItem, DatasetVersion } from '../../core/datasets/dataset.ts';
import type { TableMapping } from './table-mapping.ts';

/** A dataset version as its row holds it: the split counts spread over three columns. */
export type StoredDatasetVersion = Omit<DatasetVersion, 'counts'> & {
  trainCount: number;
  holdoutCount: number;
  goldenCount: number;
};

export const DATASET_VERSIONS: TableMapping<StoredDatasetVersion> = {
  table: 'dataset_versions',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'parent_id', field: 'parentId', kind: 'text' },
    { column: 'cycle', field: 'cycle', kind: 'integer' },
    { column: 'batch_id', field: 'batchId', kind: 'text' },
    { column: 'train_count', field: 'trainCount', kind: 'integer' },
    { column: 'holdout_count', field: 'holdoutCount', kind: 'integer' },
    { column: 'golden_count', field: 'goldenCount', kind: 'integer' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
  ],
};

export function storedDatasetVersion({ counts, ...version }: DatasetVersion): StoredDatasetVersion {
  return { ...version, trainCount: counts.train, holdoutCount: counts.holdout, goldenCount: counts.golden };
}

export function datasetVersionOf({
  trainCount,
  holdoutCount,
  goldenCount,
  ...version
}: StoredDatasetVersion): DatasetVersion {
  return { ...version, counts: { train: trainCount, holdout: holdoutCount, golden: goldenCount } };
}

/**
 * An item of a version as read: its row in dataset_items joined with its text, which is stored once
 * per item id in dataset_item_texts (versions share most of their items).
 */
export const DATASET_ITEMS: TableMapping<DatasetItem> = {
  table: 'dataset_items',
  columns: [
    { column: 'item_id', field: 'id', kind: 'text' },
    { column: 'text', field: 'text', kind: 'text' },
    { column: 'label', field: 'label', kind: 'text' },
    { column: 'split', field: 'split', kind: 'text' },
    { column: 'source', field: 'source', kind: 'json' },
    { column: 'group_name', field: 'group', kind: 'text' },
    { column: 'prediction_id', field: 'predictionId', kind: 'text' },
    { column: 'reason', field: 'reason', kind: 'text' },
  ],
};

/** The SELECT of a version's items, both dialects (the caller adds WHERE and ORDER BY). */
export const DATASET_ITEMS_SELECT = `SELECT ${DATASET_ITEMS.columns
  .map((c) => (c.column === 'text' ? 't.text' : `i.${c.column}`))
  .join(', ')}
  FROM dataset_items i JOIN dataset_item_texts t ON t.item_id = i.item_id`;
