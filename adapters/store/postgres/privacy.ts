import type pg from 'pg';
import type { PrivacyRepository } from '../store.ts';
import { inTransaction } from './pool.ts';

export function postgresPrivacy(pool: pg.Pool): PrivacyRepository {
  return {
    async forgetUser(userKey, at) {
      return inTransaction(pool, async (client) => {
        const { rows: own } = await client.query<{ id: string }>(
          'SELECT id FROM predictions WHERE user_key = $1',
          [userKey],
        );
        const { rows: shadows } = await client.query<{ id: string }>(
          'SELECT id FROM predictions WHERE served_prediction_id = ANY($1::text[])',
          [own.map((row) => row.id)],
        );
        const ids = [...new Set([...own, ...shadows].map((row) => row.id))];
        const { rows: versions } = await client.query<{ dataset_id: string }>(
          `SELECT i.dataset_id FROM dataset_items i JOIN dataset_versions v ON v.id = i.dataset_id
           WHERE i.prediction_id = ANY($1::text[]) GROUP BY i.dataset_id ORDER BY MIN(v.seq)`,
          [ids],
        );
        const items = await client.query(
          `INSERT INTO forgotten_items (item_id, forgotten_at)
           SELECT DISTINCT item_id, $2::bigint FROM dataset_items WHERE prediction_id = ANY($1::text[])
           ON CONFLICT (item_id) DO NOTHING`,
          [ids, at],
        );
        const feedback = await client.query(
          'DELETE FROM feedback WHERE prediction_id = ANY($1::text[]) OR user_key = $2',
          [ids, userKey],
        );
        const reviewItems = await client.query(
          'DELETE FROM review_items WHERE prediction_id = ANY($1::text[])',
          [ids],
        );
        const predictions = await client.query('DELETE FROM predictions WHERE id = ANY($1::text[])', [ids]);
        return {
          predictions: predictions.rowCount ?? 0,
          feedback: feedback.rowCount ?? 0,
          reviewItems: reviewItems.rowCount ?? 0,
          datasetItems: items.rowCount ?? 0,
          datasetVersions: versions.map((row) => row.dataset_id),
        };
      });
    },
    async forgottenAmong(itemIds) {
      const { rows } = await pool.query<{ item_id: string }>(
        'SELECT item_id FROM forgotten_items WHERE item_id = ANY($1::text[])',
        [[...itemIds]],
      );
      return new Set(rows.map((row) => row.item_id));
    },
  };
}
