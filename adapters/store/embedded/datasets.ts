import type { DatabaseSync } from 'node:sqlite';
import type { DatasetItem, DatasetVersion, LabelSource } from '../../../core/datasets/dataset.ts';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import type { DatasetRepository } from '../store.ts';
import { assertCountsMatchItems } from '../write-guards.ts';

const VERSION_COLUMNS =
  'id, model, parent_id, cycle, batch_id, train_count, holdout_count, golden_count, created_at';

interface DatasetVersionRow {
  id: string;
  model: string;
  parent_id: string | null;
  cycle: number | null;
  batch_id: string | null;
  train_count: number;
  holdout_count: number;
  golden_count: number;
  created_at: number;
}

interface DatasetItemRow {
  item_id: string;
  text: string;
  label: string;
  split: DatasetItem['split'];
  source: string;
  group_name: string | null;
  prediction_id: string | null;
  reason: string | null;
}

export function embeddedDatasets(db: DatabaseSync): DatasetRepository {
  const insertVersion = db.prepare(
    `INSERT INTO dataset_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertText = db.prepare(
    'INSERT INTO dataset_item_texts (item_id, text) VALUES (?, ?) ON CONFLICT (item_id) DO NOTHING',
  );
  const insertItem = db.prepare(
    `INSERT INTO dataset_items (dataset_id, position, item_id, label, split, source, group_name, prediction_id, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE id = ?`);
  const list = db.prepare(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE model = ? ORDER BY seq`);
  const itemsSelect = `SELECT i.item_id, t.text, i.label, i.split, i.source, i.group_name, i.prediction_id, i.reason
    FROM dataset_items i JOIN dataset_item_texts t ON t.item_id = i.item_id`;
  const items = db.prepare(`${itemsSelect} WHERE i.dataset_id = ? ORDER BY i.position`);
  const itemsOfSplit = db.prepare(
    `${itemsSelect} WHERE i.dataset_id = ? AND i.split = ? ORDER BY i.position`,
  );

  return {
    async create(version, versionItems) {
      assertCountsMatchItems(version, versionItems);
      return writeTransaction(db, () => {
        const { changes } = insertVersion.run(
          version.id,
          version.model,
          version.parentId,
          version.cycle,
          version.batchId,
          version.counts.train,
          version.counts.holdout,
          version.counts.golden,
          version.createdAt,
        );
        if (Number(changes) === 0) return { created: false };
        versionItems.forEach((item, position) => {
          insertText.run(item.id, item.text);
          insertItem.run(
            version.id,
            position,
            item.id,
            item.label,
            item.split,
            JSON.stringify(item.source),
            item.group,
            item.predictionId,
            item.reason,
          );
        });
        return { created: true };
      });
    },
    async get(id) {
      const row = get.get(id) as unknown as DatasetVersionRow | undefined;
      return row ? toDatasetVersion(row) : null;
    },
    async list(model) {
      return (list.all(model) as unknown as DatasetVersionRow[]).map(toDatasetVersion);
    },
    async items(id, split) {
      const rows = split === undefined ? items.all(id) : itemsOfSplit.all(id, split);
      return (rows as unknown as DatasetItemRow[]).map(toDatasetItem);
    },
  };
}

function toDatasetVersion(row: DatasetVersionRow): DatasetVersion {
  return {
    id: row.id,
    model: row.model,
    parentId: row.parent_id,
    cycle: row.cycle,
    batchId: row.batch_id,
    counts: { train: row.train_count, holdout: row.holdout_count, golden: row.golden_count },
    createdAt: row.created_at,
  };
}

function toDatasetItem(row: DatasetItemRow): DatasetItem {
  return {
    id: row.item_id,
    text: row.text,
    label: row.label,
    split: row.split,
    source: JSON.parse(row.source) as LabelSource,
    group: row.group_name,
    predictionId: row.prediction_id,
    reason: row.reason,
  };
}
