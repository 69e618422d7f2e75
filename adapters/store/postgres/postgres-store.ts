import type { FlywheelStore } from '../store.ts';
import { postgresApiKeys } from './api-keys.ts';
import { postgresAuditLog } from './audit-log.ts';
import { postgresCaptureHead, postgresFeedback, postgresPredictions } from './capture.ts';
import { postgresCycles } from './cycles.ts';
import { postgresDatasets } from './datasets.ts';
import { postgresGateReports } from './gate-reports.ts';
import { migratePostgres } from './migrate.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { postgresModelRegistry } from './model-registry.ts';
import { connectPool } from './pool.ts';
import { postgresPrivacy } from './privacy.ts';
import { postgresRetention } from './retention.ts';
import { postgresReviewItems } from './review-items.ts';
import { postgresReviewerAccounts } from './reviewer-accounts.ts';

/**
 * The store for production and scale: any number of gateways and workers share one PostgreSQL
 * database. Fails with PostgresUnreachableError when the database cannot be reached.
 */
export async function openPostgresStore(url: string): Promise<FlywheelStore> {
  const pool = await connectPool(url);
  try {
    await migratePostgres(pool, url, POSTGRES_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed = false;
  return {
    kind: 'postgres',
    predictions: postgresPredictions(pool),
    feedback: postgresFeedback(pool),
    reviewItems: postgresReviewItems(pool),
    datasets: postgresDatasets(pool),
    models: postgresModelRegistry(pool),
    cycles: postgresCycles(pool),
    reports: postgresGateReports(pool),
    audit: postgresAuditLog(pool),
    reviewers: postgresReviewerAccounts(pool),
    apiKeys: postgresApiKeys(pool),
    privacy: postgresPrivacy(pool),
    retention: postgresRetention(pool),
    captureHead: postgresCaptureHead(pool),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
