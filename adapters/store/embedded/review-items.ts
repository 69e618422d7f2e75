import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import { REVIEW_ITEMS } from '../review-tables.ts';
import type { ReviewItemRepository } from '../store.ts';
import {
  columnList,
  embeddedPlaceholders,
  recordOf,
  rowValues,
  updateFromExcluded,
} from '../table-mapping.ts';

const COLUMNS = columnList(REVIEW_ITEMS);

export function embeddedReviewItems(db: DatabaseSync): ReviewItemRepository {
  // ON CONFLICT DO UPDATE (not INSERT OR REPLACE) keeps the row, and so its seq: the item keeps its place.
  const upsert = db.prepare(
    `INSERT INTO review_items (${COLUMNS}) VALUES ${embeddedPlaceholders(REVIEW_ITEMS)}
     ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(REVIEW_ITEMS)}`,
  );
  const listByCycle = db.prepare(`SELECT ${COLUMNS} FROM review_items WHERE cycle_id = ? ORDER BY seq`);
  const get = db.prepare(`SELECT ${COLUMNS} FROM review_items WHERE id = ?`);
  const toReviewItem = (row: unknown) => recordOf(REVIEW_ITEMS, row as Record<string, unknown>, 'embedded');

  return {
    async upsertMany(items) {
      writeTransaction(db, () => {
        for (const item of items)
          upsert.run(...(rowValues(REVIEW_ITEMS, item, 'embedded') as SQLInputValue[]));
      });
    },
    async listByCycle(cycleId) {
      return listByCycle.all(cycleId).map(toReviewItem);
    },
    async get(id) {
      const row = get.get(id);
      return row ? toReviewItem(row) : null;
    },
  };
}
