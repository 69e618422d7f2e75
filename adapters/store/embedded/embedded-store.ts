import { openSqliteFile } from '../../sqlite/sqlite-file.ts';
import type { FlywheelStore } from '../store.ts';
import { embeddedApiKeys } from './api-keys.ts';
import { embeddedAuditLog } from './audit-log.ts';
import { embeddedCaptureHead, embeddedFeedback, embeddedPredictions } from './capture.ts';
import { embeddedCycles } from './cycles.ts';
import { embeddedDatasets } from './datasets.ts';
import { embeddedGateReports } from './gate-reports.ts';
import { EMBEDDED_MIGRATIONS } from './migrations.ts';
import { embeddedModelRegistry } from './model-registry.ts';
import { embeddedPrivacy } from './privacy.ts';
import { embeddedRetention } from './retention.ts';
import { embeddedReviewItems } from './review-items.ts';
import { embeddedReviewerAccounts } from './reviewer-accounts.ts';

/**
 * The store that needs no server: one SQLite file (node:sqlite, no native addon) that the gateway and
 * the worker may open at the same time. Calls are synchronous underneath; a 500-row capture batch
 * holds the event loop for a few milliseconds.
 */
export function openEmbeddedStore(path: string): FlywheelStore {
  const db = openSqliteFile(path, EMBEDDED_MIGRATIONS);
  return {
    kind: 'embedded',
    predictions: embeddedPredictions(db),
    feedback: embeddedFeedback(db),
    reviewItems: embeddedReviewItems(db),
    datasets: embeddedDatasets(db),
    models: embeddedModelRegistry(db),
    cycles: embeddedCycles(db),
    reports: embeddedGateReports(db),
    audit: embeddedAuditLog(db),
    reviewers: embeddedReviewerAccounts(db),
    apiKeys: embeddedApiKeys(db),
    privacy: embeddedPrivacy(db),
    retention: embeddedRetention(db),
    captureHead: embeddedCaptureHead(db),
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
