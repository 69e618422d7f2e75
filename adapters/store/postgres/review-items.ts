import type pg from 'pg';
import { REVIEW_ITEMS } from '../review-tables.ts';
import type { ReviewItemRepository } from '../store.ts';
import {
  columnArrays,
  columnList,
  postgresUnnestSelect,
  recordOf,
  updateFromExcluded,
} from '../table-mapping.ts';
import { lastOfEachId } from '../write-guards.ts';

const COLUMNS = columnList(REVIEW_ITEMS);

// DO UPDATE keeps the row, and so its seq: a replaced item keeps its place in the cycle's list.
const UPSERT = `
  INSERT INTO review_items (${COLUMNS})
  ${postgresUnnestSelect(REVIEW_ITEMS)}
  ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(REVIEW_ITEMS)}`;

const toReviewItem = (row: Record<string, unknown>) => recordOf(REVIEW_ITEMS, row, 'postgres');

export function postgresReviewItems(pool: pg.Pool): ReviewItemRepository {
  return {
    async upsertMany(items) {
      // One statement may not update the same row twice.
      const batch = lastOfEachId(items);
      if (batch.length === 0) return;
      await pool.query(UPSERT, columnArrays(REVIEW_ITEMS, batch, 'postgres'));
    },
    async listByCycle(cycleId) {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM review_items WHERE cycle_id = $1 ORDER BY seq`,
        [cycleId],
      );
      return rows.map(toReviewItem);
    },
    async get(id) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM review_items WHERE id = $1`, [id]);
      return rows[0] ? toReviewItem(rows[0]) : null;
    },
  };
}
