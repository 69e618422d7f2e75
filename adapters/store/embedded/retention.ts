import type { DatabaseSync } from 'node:sqlite';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import type { RetentionRepository } from '../store.ts';

type Examined = { seq: number; id: string; created_at: number; referenced: number };

export function embeddedRetention(db: DatabaseSync): RetentionRepository {
  // (model, created_at) is an index on (model, created_at, rowid = seq): the walk reads it in order.
  const examine = db.prepare(
    `SELECT p.seq, p.id, p.created_at,
            (EXISTS (SELECT 1 FROM dataset_items i WHERE i.prediction_id = p.id)
             OR EXISTS (SELECT 1 FROM review_items r WHERE r.prediction_id = p.id)) AS referenced
     FROM predictions p
     WHERE p.model = ? AND p.created_at < ? AND p.created_at >= ? AND (p.created_at > ? OR p.seq > ?)
     ORDER BY p.created_at, p.seq LIMIT ?`,
  );
  const deleteFeedback = db.prepare('DELETE FROM feedback WHERE prediction_id = ?');
  const deletePrediction = db.prepare('DELETE FROM predictions WHERE seq = ?');

  return {
    async deleteOlderThan(model, cutoff, { batch, after }) {
      const from = after ?? { createdAt: Number.MIN_SAFE_INTEGER, seq: 0 };
      return writeTransaction(db, () => {
        const rows = examine.all(
          model,
          cutoff,
          from.createdAt,
          from.createdAt,
          from.seq,
          batch,
        ) as unknown as Examined[];
        let predictions = 0;
        let feedback = 0;
        let kept = 0;
        for (const row of rows) {
          if (row.referenced) {
            kept++;
            continue;
          }
          feedback += Number(deleteFeedback.run(row.id).changes);
          predictions += Number(deletePrediction.run(row.seq).changes);
        }
        const last = rows.at(-1);
        return {
          predictions,
          feedback,
          kept,
          cursor: last ? { createdAt: last.created_at, seq: last.seq } : (after ?? null),
          more: rows.length === batch,
        };
      });
    },
  };
}
