import type { DatabaseSync } from 'node:sqlite';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import type { PrivacyRepository } from '../store.ts';

export function embeddedPrivacy(db: DatabaseSync): PrivacyRepository {
  return {
    async forgetUser(userKey, at) {
      return writeTransaction(db, () => {
        db.exec('CREATE TEMP TABLE IF NOT EXISTS forget_ids (id TEXT PRIMARY KEY)');
        db.exec('DELETE FROM temp.forget_ids');
        db.prepare('INSERT OR IGNORE INTO temp.forget_ids SELECT id FROM predictions WHERE user_key = ?').run(
          userKey,
        );
        db.exec(
          'INSERT OR IGNORE INTO temp.forget_ids SELECT id FROM predictions WHERE served_prediction_id IN (SELECT id FROM temp.forget_ids)',
        );
        const versions = db
          .prepare(
            `SELECT dataset_id FROM dataset_items WHERE prediction_id IN (SELECT id FROM temp.forget_ids)
             GROUP BY dataset_id ORDER BY MIN((SELECT seq FROM dataset_versions v WHERE v.id = dataset_id))`,
          )
          .all() as Array<{ dataset_id: string }>;
        const items = db
          .prepare(
            'INSERT OR IGNORE INTO forgotten_items (item_id, forgotten_at) SELECT DISTINCT item_id, ? FROM dataset_items WHERE prediction_id IN (SELECT id FROM temp.forget_ids)',
          )
          .run(at);
        const feedback = db
          .prepare(
            'DELETE FROM feedback WHERE prediction_id IN (SELECT id FROM temp.forget_ids) OR user_key = ?',
          )
          .run(userKey);
        const reviewItems = db
          .prepare('DELETE FROM review_items WHERE prediction_id IN (SELECT id FROM temp.forget_ids)')
          .run();
        const predictions = db
          .prepare('DELETE FROM predictions WHERE id IN (SELECT id FROM temp.forget_ids)')
          .run();
        db.exec('DELETE FROM temp.forget_ids');
        return {
          predictions: Number(predictions.changes),
          feedback: Number(feedback.changes),
          reviewItems: Number(reviewItems.changes),
          datasetItems: Number(items.changes),
          datasetVersions: versions.map((row) => row.dataset_id),
        };
      });
    },
    async forgottenAmong(itemIds) {
      const found = new Set<string>();
      const query = db.prepare('SELECT 1 AS hit FROM forgotten_items WHERE item_id = ?');
      for (const id of itemIds) if (query.get(id)) found.add(id);
      return found;
    },
  };
}
