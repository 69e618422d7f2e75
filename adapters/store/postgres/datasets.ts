import type pg from 'pg';
import type { DatasetItem, DatasetVersion, LabelSource } from '../../../core/datasets/dataset.ts';
import type { DatasetRepository } from '../store.ts';
import { assertCountsMatchItems } from '../write-guards.ts';
import { inTransaction } from './pool.ts';

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
  source: LabelSource;
  group_name: string | null;
  prediction_id: string | null;
  reason: string | null;
}

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

const ITEMS_SELECT = `
  SELECT i.item_id, t.text, i.label, i.split, i.source, i.group_name, i.prediction_id, i.reason
  FROM dataset_items i JOIN dataset_item_texts t ON t.item_id = i.item_id`;

export function postgresDatasets(pool: pg.Pool): DatasetRepository {
  return {
    async create(version, items) {
      assertCountsMatchItems(version, items);
      return inTransaction(pool, async (client) => {
        // A concurrent create of the same id waits here on the unique index, then finds it taken.
        const { rowCount } = await client.query(
          `INSERT INTO dataset_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO NOTHING`,
          [
            version.id,
            version.model,
            version.parentId,
            version.cycle,
            version.batchId,
            version.counts.train,
            version.counts.holdout,
            version.counts.golden,
            version.createdAt,
          ],
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
      const { rows } = await pool.query<DatasetVersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE id = $1`,
        [id],
      );
      return rows[0] ? toDatasetVersion(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query<DatasetVersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM dataset_versions WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map(toDatasetVersion);
    },
    async items(id, split) {
      const { rows } = await pool.query<DatasetItemRow>(
        `${ITEMS_SELECT} WHERE i.dataset_id = $1 AND ($2::text IS NULL OR i.split = $2) ORDER BY i.position`,
        [id, split ?? null],
      );
      return rows.map(toDatasetItem);
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
    source: row.source,
    group: row.group_name,
    predictionId: row.prediction_id,
    reason: row.reason,
  };
}
