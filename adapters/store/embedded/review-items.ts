import type { DatabaseSync } from 'node:sqlite';
import type { ReviewItem } from '../../../core/review/review-item.ts';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import type { ReviewItemRepository } from '../store.ts';

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
  decided_by: string;
  updated_at: number;
}

export function embeddedReviewItems(db: DatabaseSync): ReviewItemRepository {
  // ON CONFLICT DO UPDATE (not INSERT OR REPLACE) keeps the row, and so its seq: the item keeps its place.
  const upsert = db.prepare(
    `INSERT INTO review_items (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       cycle_id = excluded.cycle_id, model = excluded.model, prediction_id = excluded.prediction_id,
       text = excluded.text, proposed_label = excluded.proposed_label, reason = excluded.reason,
       confidence = excluded.confidence, status = excluded.status, final_label = excluded.final_label,
       decided_by = excluded.decided_by, updated_at = excluded.updated_at`,
  );
  const listByCycle = db.prepare(`SELECT ${COLUMNS} FROM review_items WHERE cycle_id = ? ORDER BY seq`);
  const get = db.prepare(`SELECT ${COLUMNS} FROM review_items WHERE id = ?`);

  return {
    async upsertMany(items) {
      writeTransaction(db, () => {
        for (const item of items) {
          upsert.run(
            item.id,
            item.cycleId,
            item.model,
            item.predictionId,
            item.text,
            item.proposedLabel,
            item.reason,
            item.confidence,
            item.status,
            item.finalLabel,
            JSON.stringify(item.decidedBy),
            item.updatedAt,
          );
        }
      });
    },
    async listByCycle(cycleId) {
      return (listByCycle.all(cycleId) as unknown as ReviewItemRow[]).map(toReviewItem);
    },
    async get(id) {
      const row = get.get(id) as unknown as ReviewItemRow | undefined;
      return row ? toReviewItem(row) : null;
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
    decidedBy: JSON.parse(row.decided_by),
    updatedAt: row.updated_at,
  };
}
