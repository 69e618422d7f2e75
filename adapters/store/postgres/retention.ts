import type pg from 'pg';
import type { RetentionRepository } from '../store.ts';
import { inTransaction } from './pool.ts';

type Examined = { seq: string; id: string; created_at: string; referenced: boolean };

export function postgresRetention(pool: pg.Pool): RetentionRepository {
  return {
    async deleteOlderThan(model, cutoff, { batch, after }) {
      const from = after ?? { createdAt: Number.MIN_SAFE_INTEGER, seq: 0 };
      return inTransaction(pool, async (client) => {
        // predictions_window (model, created_at) bounds the walk; the seq tie-break sorts only equal times.
        const { rows } = await client.query<Examined>(
          `SELECT p.seq, p.id, p.created_at,
                  (EXISTS (SELECT 1 FROM dataset_items i WHERE i.prediction_id = p.id)
                   OR EXISTS (SELECT 1 FROM review_items r WHERE r.prediction_id = p.id)) AS referenced
           FROM predictions p
           WHERE p.model = $1 AND p.created_at < $2 AND p.created_at >= $3 AND (p.created_at > $3 OR p.seq > $4)
           ORDER BY p.created_at, p.seq LIMIT $5
           FOR UPDATE OF p`,
          [model, cutoff, from.createdAt, from.seq, batch],
        );
        const doomed = rows.filter((row) => !row.referenced);
        const ids = doomed.map((row) => row.id);
        const feedback = await client.query('DELETE FROM feedback WHERE prediction_id = ANY($1::text[])', [
          ids,
        ]);
        const predictions = await client.query('DELETE FROM predictions WHERE seq = ANY($1::bigint[])', [
          doomed.map((row) => row.seq),
        ]);
        const last = rows.at(-1);
        return {
          predictions: predictions.rowCount ?? 0,
          feedback: feedback.rowCount ?? 0,
          kept: rows.length - doomed.length,
          cursor: last ? { createdAt: Number(last.created_at), seq: Number(last.seq) } : (after ?? null),
          more: rows.length === batch,
        };
      });
    },
  };
}
