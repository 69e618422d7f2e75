import type pg from 'pg';
import type { ReviewItem } from '../../../core/review/review-item.ts';
import type { ReviewItemRepository } from '../store.ts';
import { lastOfEachId } from '../write-guards.ts';

const COLUMNS =
  'id, cycle_id, model, prediction_id, text, proposed_label, reason, confidence, status, final_label, decided_by, updated_at';

interface ReviewItemRow {
  id: string;
  cycle_id: string;
  model: string;
  prediction_id: string | null;
  text: string;
  proposed_label: string;
  reason: string;
  confidence: number | null;
  status: ReviewItem['status'];
  final_label: string | null;
  decided_by: string[];
  updated_at: number;
}

// DO UPDATE keeps the row, and so its seq: a replaced item keeps its place in the cycle's list.
const UPSERT = `
  INSERT INTO review_items (${COLUMNS})
  SELECT id, cycle_id, model, prediction_id, text, proposed_label, reason, confidence, status, final_label,
         decided_by::jsonb, updated_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::float8[], $9::text[], $10::text[], $11::text[], $12::bigint[]) AS batch(${COLUMNS})
  ON CONFLICT (id) DO UPDATE SET
    cycle_id = excluded.cycle_id, model = excluded.model, prediction_id = excluded.prediction_id,
    text = excluded.text, proposed_label = excluded.proposed_label, reason = excluded.reason,
    confidence = excluded.confidence, status = excluded.status, final_label = excluded.final_label,
    decided_by = excluded.decided_by, updated_at = excluded.updated_at`;

export function postgresReviewItems(pool: pg.Pool): ReviewItemRepository {
  return {
    async upsertMany(items) {
      // One statement may not update the same row twice.
      const batch = lastOfEachId(items);
      if (batch.length === 0) return;
      await pool.query(UPSERT, [
        batch.map((item) => item.id),
        batch.map((item) => item.cycleId),
        batch.map((item) => item.model),
        batch.map((item) => item.predictionId),
        batch.map((item) => item.text),
        batch.map((item) => item.proposedLabel),
        batch.map((item) => item.reason),
        batch.map((item) => item.confidence),
        batch.map((item) => item.status),
        batch.map((item) => item.finalLabel),
        batch.map((item) => JSON.stringify(item.decidedBy)),
        batch.map((item) => item.updatedAt),
      ]);
    },
    async listByCycle(cycleId) {
      const { rows } = await pool.query<ReviewItemRow>(
        `SELECT ${COLUMNS} FROM review_items WHERE cycle_id = $1 ORDER BY seq`,
        [cycleId],
      );
      return rows.map(toReviewItem);
    },
    async get(id) {
      const { rows } = await pool.query<ReviewItemRow>(`SELECT ${COLUMNS} FROM review_items WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toReviewItem(rows[0]) : null;
    },
  };
}

function toReviewItem(row: ReviewItemRow): ReviewItem {
  return {
    id: row.id,
    cycleId: row.cycle_id,
    model: row.model,
    predictionId: row.prediction_id,
    text: row.text,
    proposedLabel: row.proposed_label,
    reason: row.reason,
    confidence: row.confidence,
    status: row.status,
    finalLabel: row.final_label,
    decidedBy: row.decided_by,
    updatedAt: row.updated_at,
  };
}
