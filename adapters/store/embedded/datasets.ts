import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import {
  DATASET_ITEMS,
  DATASET_ITEMS_SELECT,
  DATASET_VERSIONS,
  datasetVersionOf,
  storedDatasetVersion,
} from '../dataset-tables.ts';
import type { DatasetRepository } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, rowValues } from '../table-mapping.ts';
import { assertCountsMatchItems } from '../write-guards.ts';

const VERSION_COLUMNS = columnList(DATASET_VERSIONS);
const toDatasetVersion = (row: unknown) =>
  datasetVersionOf(recordOf(DATASET_VERSIONS, row as Record<string, unknown>, 'embedded'));
const toDatasetItem = (row: unknown) => recordOf(DATASET_ITEMS, row as Record<string, unknown>, 'embedded');

export function embeddedDatasets(db: DatabaseSync): DatasetRepository {
  const insertVersion = db.prepare(
    `INSERT INTO dataset_versions (${VERSION_COLUMNS}) VALUES ${embeddedPlaceholders(DATASET_VERSIONS)}
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
  const itemsSelect = DATASET_ITEMS_SELECT;
  const items = db.prepare(`${itemsSelect} WHERE i.dataset_id = ? ORDER BY i.position`);
  const itemsOfSplit = db.prepare(
    `${itemsSelect} WHERE i.dataset_id = ? AND i.split = ? ORDER BY i.position`,
  );

  return {
    async create(version, versionItems) {
      assertCountsMatchItems(version, versionItems);
      return writeTransaction(db, () => {
        const { changes } = insertVersion.run(
          ...(rowValues(DATASET_VERSIONS, storedDatasetVersion(version), 'embedded') as SQLInputValue[]),
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
      const row = get.get(id);
      return row ? toDatasetVersion(row) : null;
    },
    async list(model) {
      return list.all(model).map(toDatasetVersion);
    },
    async items(id, split) {
      const rows = split === undefined ? items.all(id) : itemsOfSplit.all(id, split);
      return rows.map(toDatasetItem);
    },
  };
}
