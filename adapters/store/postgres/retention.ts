import type pg from 'pg';
import type { RetentionRepository } from '../store.ts';
import { inTransaction } from './pool.ts';

type BatchRow = {
  examined: number;
  kept: number;
  predictions: number;
  feedback: number;
  last_seq: number | null;
  last_created_at: number | null;
};

/**
 * One retention batch in one statement: the examined predictions never travel to the worker (a pass over
 * a million predictions held none of them; when each batch's ids and seqs came back and were sent again,
 * the worker's memory grew by ~150 MB over such a pass before the garbage collector caught up), and
 * the batch is one round trip and one transaction.
 *
 * The index plan that keeps it cheap: the walk is an ordered range read of predictions_window
 * (model, created_at) from the cursor; "is it referenced?" is an index lookup in dataset_items and
 * review_items by prediction_id (migration 10); feedback goes by feedback_by_prediction, predictions by
 * their primary key. The examined rows are locked (FOR UPDATE) before anything is deleted, as a
 * concurrent forget or a second pass could touch them. All data-modifying parts see one snapshot.
 */
const DELETE_BATCH = `
  WITH examined AS MATERIALIZED (
    SELECT p.seq, p.id, p.created_at,
           (EXISTS (SELECT 1 FROM dataset_items i WHERE i.prediction_id = p.id)
            OR EXISTS (SELECT 1 FROM review_items r WHERE r.prediction_id = p.id)) AS referenced
    FROM predictions p
    WHERE p.model = $1 AND p.created_at < $2 AND p.created_at >= $3 AND (p.created_at > $3 OR p.seq > $4)
    ORDER BY p.created_at, p.seq LIMIT $5
    FOR UPDATE OF p
  ),
  gone_feedback AS (
    DELETE FROM feedback f USING examined e WHERE NOT e.referenced AND f.prediction_id = e.id RETURNING 1
  ),
  gone AS (
    DELETE FROM predictions p USING examined e WHERE NOT e.referenced AND p.seq = e.seq RETURNING 1
  ),
  last AS (SELECT seq, created_at FROM examined ORDER BY created_at DESC, seq DESC LIMIT 1)
  SELECT (SELECT count(*) FROM examined)::int AS examined,
         (SELECT count(*) FROM examined WHERE referenced)::int AS kept,
         (SELECT count(*) FROM gone)::int AS predictions,
         (SELECT count(*) FROM gone_feedback)::int AS feedback,
         (SELECT seq FROM last) AS last_seq,
         (SELECT created_at FROM last) AS last_created_at`;

/**
 * A nested loop into the indexes above is the plan for a batch of a few thousand rows; the planner, not
 * knowing how many rows the materialized batch holds, could otherwise hash the whole feedback table.
 */
const INDEX_LOOKUPS = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';

export function postgresRetention(pool: pg.Pool): RetentionRepository {
  return {
    async deleteOlderThan(model, cutoff, { batch, after }) {
      const from = after ?? { createdAt: Number.MIN_SAFE_INTEGER, seq: 0 };
      const done = await inTransaction(pool, async (client) => {
        await client.query(INDEX_LOOKUPS);
        const { rows } = await client.query<BatchRow>(DELETE_BATCH, [
          model,
          cutoff,
          from.createdAt,
          from.seq,
          batch,
        ]);
        return rows[0]!;
      });
      return {
        predictions: done.predictions,
        feedback: done.feedback,
        kept: done.kept,
        cursor:
          done.last_seq === null
            ? (after ?? null)
            : { createdAt: Number(done.last_created_at), seq: Number(done.last_seq) },
        more: done.examined === batch,
      };
    },
  };
}
