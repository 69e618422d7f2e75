import type { SchemaMigration } from '../../schema-migration.ts';

/**
 * The PostgreSQL store's schema, in order. `seq` columns are identity columns; capture inserts take
 * a transaction-scoped advisory lock first (see capture.ts) so sequence order is commit order.
 */
export const POSTGRES_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'capture',
    sql: `
      CREATE TABLE predictions (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        model text NOT NULL,
        model_version text NOT NULL,
        variant text NOT NULL,
        text text NOT NULL,
        label text NOT NULL,
        confidence double precision NOT NULL,
        scores jsonb NOT NULL,
        user_key text,
        served_prediction_id text,
        latency_ms double precision NOT NULL,
        metadata jsonb NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX predictions_by_model_seq ON predictions (model, seq);
      CREATE INDEX predictions_by_model_time ON predictions (model, created_at);

      CREATE TABLE feedback (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        prediction_id text NOT NULL,
        model text NOT NULL,
        kind text NOT NULL,
        label text,
        user_key text,
        created_at bigint NOT NULL
      );
      CREATE INDEX feedback_by_model_seq ON feedback (model, seq);
      CREATE INDEX feedback_by_prediction ON feedback (prediction_id);
    `,
  },
  {
    version: 2,
    name: 'review-datasets-registry',
    sql: `
      CREATE TABLE review_items (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        cycle_id text NOT NULL,
        model text NOT NULL,
        prediction_id text,
        text text NOT NULL,
        proposed_label text NOT NULL,
        reason text NOT NULL,
        confidence double precision,
        status text NOT NULL,
        final_label text,
        decided_by jsonb NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX review_items_by_cycle ON review_items (cycle_id, seq);

      CREATE TABLE dataset_versions (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        model text NOT NULL,
        parent_id text,
        cycle integer,
        batch_id text,
        train_count integer NOT NULL,
        holdout_count integer NOT NULL,
        golden_count integer NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX dataset_versions_by_model ON dataset_versions (model, seq);

      -- Texts are stored once per item id (the hash of the text): versions share most of their items.
      CREATE TABLE dataset_item_texts (
        item_id text PRIMARY KEY,
        text text NOT NULL
      );

      CREATE TABLE dataset_items (
        dataset_id text NOT NULL,
        position integer NOT NULL,
        item_id text NOT NULL,
        label text NOT NULL,
        split text NOT NULL,
        source jsonb NOT NULL,
        group_name text,
        prediction_id text,
        reason text,
        PRIMARY KEY (dataset_id, position)
      );

      CREATE TABLE model_versions (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        model text NOT NULL,
        artifact_sha256 text NOT NULL,
        dataset_id text NOT NULL,
        labels jsonb NOT NULL,
        trainer text NOT NULL,
        params jsonb NOT NULL,
        metrics jsonb NOT NULL,
        blessed_by text,
        created_at bigint NOT NULL
      );
      CREATE INDEX model_versions_by_model ON model_versions (model, seq);

      CREATE TABLE model_aliases (
        model text NOT NULL,
        alias text NOT NULL,
        version_id text,
        PRIMARY KEY (model, alias)
      );

      CREATE TABLE alias_moves (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        model text NOT NULL,
        alias text NOT NULL,
        version_id text,
        previous_version_id text,
        reason text NOT NULL,
        actor text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX alias_moves_by_model ON alias_moves (model, seq);
    `,
  },
  {
    version: 3,
    name: 'cycles-reports-audit',
    sql: `
      CREATE TABLE cycles (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        model text NOT NULL,
        number integer NOT NULL,
        workflow_id text NOT NULL,
        outcome text NOT NULL,
        watermark_prediction_seq bigint,
        watermark_feedback_seq bigint,
        trigger text NOT NULL,
        started_at bigint NOT NULL,
        ended_at bigint,
        summary jsonb NOT NULL
      );
      CREATE INDEX cycles_by_model_number ON cycles (model, number);

      CREATE TABLE gate_reports (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        model text NOT NULL,
        candidate_version text NOT NULL,
        champion_version text,
        passed boolean NOT NULL,
        reasons jsonb NOT NULL,
        body jsonb NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX gate_reports_by_model ON gate_reports (model, seq);

      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        model text NOT NULL,
        cycle_id text,
        kind text NOT NULL,
        actor text NOT NULL,
        details jsonb NOT NULL
      );
      CREATE INDEX audit_events_by_model ON audit_events (model, seq);
      CREATE INDEX audit_events_by_cycle ON audit_events (cycle_id, seq);
    `,
  },
  {
    version: 4,
    name: 'reviewer-accounts',
    sql: `
      CREATE TABLE reviewer_accounts (
        name text PRIMARY KEY,
        password_hash text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        name text NOT NULL,
        scopes jsonb NOT NULL,
        hash text NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
    `,
  },
  {
    version: 6,
    name: 'forgotten dataset items',
    sql: `
      CREATE TABLE forgotten_items (
        item_id text PRIMARY KEY,
        forgotten_at bigint NOT NULL
      );
      CREATE INDEX predictions_by_user ON predictions (user_key);
    `,
  },
  {
    version: 7,
    name: 'feedback-from-prediction-user',
    // Feedback recorded before the column existed is judged as the gateway judges it now.
    sql: `
      ALTER TABLE feedback ADD COLUMN from_prediction_user boolean NOT NULL DEFAULT false;
      UPDATE feedback f SET from_prediction_user = true
      FROM predictions p
      WHERE p.id = f.prediction_id AND f.user_key IS NOT NULL AND f.user_key = p.user_key;
    `,
  },
  {
    version: 8,
    name: 'window-aggregates',
    // Step analysis and monitor windows aggregate over (model, created_at) ranges of millions of rows: a
    // covering index answers them without reading a table row (texts make the table ~6x wider), and
    // replaces the plain (model, created_at) index. text_length is what JavaScript's String length says
    // (UTF-16 units: characters beyond the BMP count twice), so the monitor's length sketch needs no text.
    // Variant and version are correlated (a canary version is never the champion's): the statistics keep
    // the planner from underestimating an arm a hundredfold.
    sql: `
      ALTER TABLE predictions ADD COLUMN text_length integer GENERATED ALWAYS AS (
        char_length(text) + CASE WHEN octet_length(text) = char_length(text) THEN 0
                                 ELSE regexp_count(text, '[\\U00010000-\\U0010FFFF]') END
      ) STORED;
      CREATE INDEX predictions_window ON predictions (model, created_at)
        INCLUDE (variant, model_version, label, latency_ms, confidence, text_length, id, served_prediction_id, seq);
      DROP INDEX predictions_by_model_time;
      CREATE STATISTICS predictions_variant_version (dependencies, mcv) ON variant, model_version FROM predictions;
    `,
  },
  {
    version: 9,
    name: 'audit-idempotency-key',
    // Events appended before the column existed have no key; keys are unique among those that have one.
    sql: `
      ALTER TABLE audit_events ADD COLUMN idempotency_key text;
      CREATE UNIQUE INDEX audit_events_by_idempotency_key ON audit_events (idempotency_key);
    `,
  },
  {
    version: 10,
    name: 'retention-references',
    // A retention pass asks, for each prediction past the cut-off, whether a dataset item or a review item
    // references it: without these indexes each question would scan the table.
    sql: `
      CREATE INDEX dataset_items_by_prediction ON dataset_items (prediction_id);
      CREATE INDEX review_items_by_prediction ON review_items (prediction_id);
    `,
  },
  {
    version: 11,
    name: 'shadow-twins',
    // Mining joins each page of served predictions to their shadow twins; only shadow rows have a served id.
    sql: `
      CREATE INDEX predictions_by_served_prediction ON predictions (served_prediction_id)
        WHERE served_prediction_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'feedback-since',
    // A window's feedback tally reads the model's feedback recorded since the window opened (ten minutes
    // of clock slack before it, see step-window-queries.ts), off this index alone, instead of hashing the
    // model's whole feedback table: at 10M predictions that table is ten times the window's share.
    sql: `
      CREATE INDEX feedback_since ON feedback (model, created_at) INCLUDE (prediction_id, kind, label);
    `,
  },
];
