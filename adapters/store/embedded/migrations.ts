import type { SchemaMigration } from '../../schema-migration.ts';

/**
 * The embedded store's schema, in order. JSON columns are TEXT. `seq` columns are INTEGER PRIMARY KEY
 * (the rowid): SQLite hands out max+1, which never reuses a number because capture rows are never
 * deleted from the tail; AUTOINCREMENT would cost about a third of the ingest rate for nothing.
 * Writers are serialized by SQLite's write lock, so a larger seq is always committed later.
 */
export const EMBEDDED_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'capture',
    sql: `
      CREATE TABLE predictions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        model_version TEXT NOT NULL,
        variant TEXT NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        confidence REAL NOT NULL,
        scores TEXT NOT NULL,
        user_key TEXT,
        served_prediction_id TEXT,
        latency_ms REAL NOT NULL,
        metadata TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- An index on (model) is an index on (model, rowid): it serves listAfter's seq order too.
      CREATE INDEX predictions_by_model ON predictions (model);
      CREATE INDEX predictions_by_model_time ON predictions (model, created_at);

      CREATE TABLE feedback (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        prediction_id TEXT NOT NULL,
        model TEXT NOT NULL,
        kind TEXT NOT NULL,
        label TEXT,
        user_key TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX feedback_by_model ON feedback (model);
      CREATE INDEX feedback_by_prediction ON feedback (prediction_id);
    `,
  },
  {
    version: 2,
    name: 'review-datasets-registry',
    sql: `
      CREATE TABLE review_items (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        cycle_id TEXT NOT NULL,
        model TEXT NOT NULL,
        prediction_id TEXT,
        text TEXT NOT NULL,
        proposed_label TEXT NOT NULL,
        reason TEXT NOT NULL,
        confidence REAL,
        status TEXT NOT NULL,
        final_label TEXT,
        decided_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX review_items_by_cycle ON review_items (cycle_id);

      CREATE TABLE dataset_versions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        parent_id TEXT,
        cycle INTEGER,
        batch_id TEXT,
        train_count INTEGER NOT NULL,
        holdout_count INTEGER NOT NULL,
        golden_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX dataset_versions_by_model ON dataset_versions (model);

      -- Texts are stored once per item id (the hash of the text): versions share most of their items.
      CREATE TABLE dataset_item_texts (
        item_id TEXT PRIMARY KEY,
        text TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE dataset_items (
        dataset_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        label TEXT NOT NULL,
        split TEXT NOT NULL,
        source TEXT NOT NULL,
        group_name TEXT,
        prediction_id TEXT,
        reason TEXT,
        PRIMARY KEY (dataset_id, position)
      ) WITHOUT ROWID;

      CREATE TABLE model_versions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        artifact_sha256 TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        labels TEXT NOT NULL,
        trainer TEXT NOT NULL,
        params TEXT NOT NULL,
        metrics TEXT NOT NULL,
        blessed_by TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX model_versions_by_model ON model_versions (model);

      CREATE TABLE model_aliases (
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        version_id TEXT,
        PRIMARY KEY (model, alias)
      ) WITHOUT ROWID;

      CREATE TABLE alias_moves (
        seq INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        version_id TEXT,
        previous_version_id TEXT,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX alias_moves_by_model ON alias_moves (model);
    `,
  },
  {
    version: 3,
    name: 'cycles-reports-audit',
    sql: `
      CREATE TABLE cycles (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        number INTEGER NOT NULL,
        workflow_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        watermark_prediction_seq INTEGER,
        watermark_feedback_seq INTEGER,
        trigger TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        summary TEXT NOT NULL
      );
      CREATE INDEX cycles_by_model_number ON cycles (model, number);

      CREATE TABLE gate_reports (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        candidate_version TEXT NOT NULL,
        champion_version TEXT,
        passed INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX gate_reports_by_model ON gate_reports (model);

      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        model TEXT NOT NULL,
        cycle_id TEXT,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_events_by_model ON audit_events (model);
      CREATE INDEX audit_events_by_cycle ON audit_events (cycle_id);
    `,
  },
  {
    version: 4,
    name: 'reviewer-accounts',
    sql: `
      CREATE TABLE reviewer_accounts (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
    `,
  },
  {
    version: 6,
    name: 'forgotten dataset items',
    sql: `
      CREATE TABLE forgotten_items (
        item_id TEXT PRIMARY KEY,
        forgotten_at INTEGER NOT NULL
      );
      CREATE INDEX predictions_by_user ON predictions (user_key);
    `,
  },
  {
    version: 7,
    name: 'feedback-from-prediction-user',
    // Feedback recorded before the column existed is judged as the gateway judges it now.
    sql: `
      ALTER TABLE feedback ADD COLUMN from_prediction_user INTEGER NOT NULL DEFAULT 0;
      UPDATE feedback SET from_prediction_user = 1
      WHERE user_key IS NOT NULL
        AND user_key = (SELECT p.user_key FROM predictions p WHERE p.id = feedback.prediction_id);
    `,
  },
  {
    version: 8,
    name: 'audit-idempotency-key',
    // Events appended before the column existed have no key; keys are unique among those that have one.
    sql: `
      ALTER TABLE audit_events ADD COLUMN idempotency_key TEXT;
      CREATE UNIQUE INDEX audit_events_by_idempotency_key ON audit_events (idempotency_key);
    `,
  },
  {
    version: 9,
    name: 'retention-references',
    // A retention pass asks, for each prediction past the cut-off, whether a dataset item or a review item
    // references it: without these indexes each question would scan the table.
    sql: `
      CREATE INDEX dataset_items_by_prediction ON dataset_items (prediction_id);
      CREATE INDEX review_items_by_prediction ON review_items (prediction_id);
    `,
  },
  {
    version: 10,
    name: 'shadow-twins',
    // Mining joins each page of served predictions to their shadow twins; only shadow rows have a served id.
    sql: `
      CREATE INDEX predictions_by_served_prediction ON predictions (served_prediction_id)
        WHERE served_prediction_id IS NOT NULL;
    `,
  },
];
