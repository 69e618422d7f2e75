import type pg from 'pg';
import {
  DATASET_ITEMS,
  DATASET_ITEMS_SELECT,
  DATASET_VERSIONS,
  datasetVersionOf,
  storedDatasetVersion,
} from '../dataset-tables.ts';
import type { DatasetRepository } from '../store.ts';
import { columnList, postgresPlaceholders, recordOf, rowValues } from '../table-mapping.ts';
import { assertCountsMatchItems } from '../write-guards.ts';
import { inTransaction } from './pool.ts';

const VERSION_COLUMNS = columnList(DATASET_VERSIONS);
const toDatasetVersion = (row: Record<string, unknown>) =>
  datasetVersionOf(recordOf(DATASET_VERSIONS, row, 'postgres'));
const toDatasetItem = (row: Record<string, unknown>) => recordOf(DATASET_ITEMS, row, 'postgres');

const INSERT_TEXTS = `
  INSERT INTO dataset_item_texts (item_id, text)
  SELECT * FROM unnest($1::text[], $2::text[])
  ON CONFLICT (item_id) DO NOTHING`;

// WITH ORDINALITY numbers the items in the order given: that order is the version's.
const INSERT_ITEMS = `
  INSERT INTO dataset_items (dataset_id, position, item_id, label, split, source, group_name, prediction_id, reason)
  SELECT $1, position - 1, item_id, label, split, source::jsonb, group_name, prediction_id, reason
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    WITH ORDINALITY AS batch(item_id, label, split, source, group_name, prediction_id, reason, position)`;

const ITEMS_SELECT = DATASET_ITEMS_SELECT;

export function postgresDatasets(pool: pg.Pool): DatasetRepository {
  return {
    async create(version, items) {
      assertCountsMatchItems(version, items);
      return inTransaction(pool, async (client) => {
        // A concurrent create of the same id waits here on the unique index, then finds it taken.
        const { rowCount } = await client.query(
          `INSERT INTO dataset_versions (${VERSION_COLUMNS}) VALUES ${postgresPlaceholders(DATASET_VERSIONS)}
           ON CONFLICT (id) DO NOTHING`,
          rowValues(DATASET_VERSIONS, storedDatasetVersion(version), 'postgres'),
        );
        if (rowCount === 0) return { created: false };
        if (items.length > 0) {
          await client.query(INSERT_TEXTS, [items.map((item) => item.id), items.map((item) => item.text)]);
          await client.query(INSERT_ITEMS, [
            version.id,
            items.map((item) => item.id),
            items.map((item) => item.label),
            items.map((item) => item.split),
            items.map((item) => JSON.stringify(item.source)),
            items.map((item) => item.group),
            items.map((item) => item.predictionId),
            items.map((item) => item.reason),
          ]);
        }
        return { created: true };
      });
    },
    async get(id) {
      const { rows } = await pool.query(`SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toDatasetVersion(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query(
        `SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map(toDatasetVersion);
    },
    async items(id, split) {
      const { rows } = await pool.query(
        `${ITEMS_SELECT} WHERE i.dataset_id = $1 AND ($2::text IS NULL OR i.split = $2) ORDER BY i.position`,
        [id, split ?? null],
      );
      return rows.map(toDatasetItem);
    },
  };
}
