import type pg from 'pg';
import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../../core/capture/records.ts';
import type { FeedbackRepository, PredictionRepository, Sequenced } from '../store.ts';

/**
 * Identity values are handed out at insert time but become visible at commit: two concurrent
 * batches could commit out of seq order, and a reader paging by watermark would skip the
 * late-committing one for ever. Capture writers therefore take turns per table (a transaction-scoped
 * advisory lock held until commit); readers are not blocked.
 */
const CAPTURE_LOCK = 7_231_005;
const PREDICTIONS_LOCK = 1;
const FEEDBACK_LOCK = 2;

const PREDICTION_COLUMNS =
  'id, model, model_version, variant, text, label, confidence, scores, user_key, served_prediction_id, latency_ms, metadata, created_at';
const FEEDBACK_COLUMNS = 'id, prediction_id, model, kind, label, user_key, from_prediction_user, created_at';

interface PredictionRow {
  seq: number;
  id: string;
  model: string;
  model_version: string;
  variant: PredictionRecord['variant'];
  text: string;
  label: string;
  confidence: number;
  scores: Record<string, number>;
  user_key: string | null;
  served_prediction_id: string | null;
  latency_ms: number;
  metadata: Record<string, string>;
  created_at: number;
}

interface FeedbackRow {
  seq: number;
  id: string;
  prediction_id: string;
  model: string;
  kind: FeedbackRecord['kind'];
  label: string | null;
  user_key: string | null;
  from_prediction_user: boolean;
  created_at: number;
}

// One statement per batch, whatever its size: a column of values per array parameter. The lock is
// taken inside the statement (its transaction is the statement's), before any row gets its seq,
// and released at commit: one round trip per batch instead of four.
const INSERT_PREDICTIONS = `
  WITH capture_turn AS MATERIALIZED (SELECT pg_advisory_xact_lock(${CAPTURE_LOCK}, ${PREDICTIONS_LOCK}))
  INSERT INTO predictions (${PREDICTION_COLUMNS})
  SELECT id, model, model_version, variant, text, label, confidence, scores::jsonb, user_key,
         served_prediction_id, latency_ms, metadata::jsonb, created_at
  FROM capture_turn,
       unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
              $8::text[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::bigint[])
         AS batch(${PREDICTION_COLUMNS})
  ON CONFLICT (id) DO NOTHING`;

const INSERT_FEEDBACK = `
  WITH capture_turn AS MATERIALIZED (SELECT pg_advisory_xact_lock(${CAPTURE_LOCK}, ${FEEDBACK_LOCK}))
  INSERT INTO feedback (${FEEDBACK_COLUMNS})
  SELECT batch.*
  FROM capture_turn,
       unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
              $8::bigint[])
         AS batch(${FEEDBACK_COLUMNS})
  ON CONFLICT (id) DO NOTHING`;

export function postgresPredictions(pool: pg.Pool): PredictionRepository {
  return {
    async insertMany(rows) {
      if (rows.length === 0) return;
      await pool.query(INSERT_PREDICTIONS, [
        rows.map((row) => row.id),
        rows.map((row) => row.model),
        rows.map((row) => row.modelVersion),
        rows.map((row) => row.variant),
        rows.map((row) => row.text),
        rows.map((row) => row.label),
        rows.map((row) => row.confidence),
        rows.map((row) => JSON.stringify(row.scores)),
        rows.map((row) => row.userKey),
        rows.map((row) => row.servedPredictionId),
        rows.map((row) => row.latencyMs),
        rows.map((row) => JSON.stringify(row.metadata ?? {})),
        rows.map((row) => row.createdAt),
      ]);
    },
    async get(id) {
      const { rows } = await pool.query<PredictionRow>(
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE id = $1`,
        [id],
      );
      return rows[0] ? toPrediction(rows[0]) : null;
    },
    async listAfter(model, afterSeq, limit) {
      const { rows } = await pool.query<PredictionRow>(
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE model = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [model, afterSeq, limit],
      );
      return rows.map((row): Sequenced<PredictionRecord> => ({ ...toPrediction(row), seq: row.seq }));
    },
    async listBetween(model, from, to, variant) {
      const { rows } = await pool.query<PredictionRow>(
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions
         WHERE model = $1 AND created_at >= $2 AND created_at < $3 AND ($4::text IS NULL OR variant = $4)
         ORDER BY created_at, seq`,
        [model, from, to, variant ?? null],
      );
      return rows.map(toPrediction);
    },
    async count(model) {
      return countRows(pool, 'predictions', model);
    },
  };
}

export function postgresFeedback(pool: pg.Pool): FeedbackRepository {
  const insertBatch = async (rows: readonly FeedbackRecord[]) => {
    const { rowCount } = await pool.query(INSERT_FEEDBACK, [
      rows.map((row) => row.id),
      rows.map((row) => row.predictionId),
      rows.map((row) => row.model),
      rows.map((row) => row.kind),
      rows.map((row) => row.label),
      rows.map((row) => row.userKey),
      rows.map((row) => row.fromPredictionUser),
      rows.map((row) => row.createdAt),
    ]);
    return rowCount ?? 0;
  };

  return {
    async insert(row) {
      return { inserted: (await insertBatch([row])) === 1 };
    },
    async insertMany(rows) {
      if (rows.length > 0) await insertBatch(rows);
    },
    async listAfter(model, afterSeq, limit) {
      const { rows } = await pool.query<FeedbackRow>(
        `SELECT seq, ${FEEDBACK_COLUMNS} FROM feedback WHERE model = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [model, afterSeq, limit],
      );
      return rows.map((row): Sequenced<FeedbackRecord> => ({ ...toFeedback(row), seq: row.seq }));
    },
    async listForPredictions(predictionIds) {
      if (predictionIds.length === 0) return [];
      const { rows } = await pool.query<FeedbackRow>(
        `SELECT seq, ${FEEDBACK_COLUMNS} FROM feedback WHERE prediction_id = ANY($1::text[]) ORDER BY seq`,
        [predictionIds],
      );
      return rows.map(toFeedback);
    },
    async count(model) {
      return countRows(pool, 'feedback', model);
    },
  };
}

export function postgresCaptureHead(pool: pg.Pool): (model: string) => Promise<CaptureWatermark> {
  return async (model) => {
    const { rows } = await pool.query<{ prediction_seq: number; feedback_seq: number }>(
      `SELECT (SELECT coalesce(max(seq), 0) FROM predictions WHERE model = $1) AS prediction_seq,
              (SELECT coalesce(max(seq), 0) FROM feedback WHERE model = $1) AS feedback_seq`,
      [model],
    );
    return { predictionSeq: rows[0]!.prediction_seq, feedbackSeq: rows[0]!.feedback_seq };
  };
}

async function countRows(pool: pg.Pool, table: 'predictions' | 'feedback', model?: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*) AS n FROM ${table} WHERE $1::text IS NULL OR model = $1`,
    [model ?? null],
  );
  return rows[0]!.n;
}

function toPrediction(row: PredictionRow): PredictionRecord {
  return {
    id: row.id,
    model: row.model,
    modelVersion: row.model_version,
    variant: row.variant,
    text: row.text,
    label: row.label,
    confidence: row.confidence,
    scores: row.scores,
    userKey: row.user_key,
    servedPredictionId: row.served_prediction_id,
    latencyMs: row.latency_ms,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

function toFeedback(row: FeedbackRow): FeedbackRecord {
  return {
    id: row.id,
    predictionId: row.prediction_id,
    model: row.model,
    kind: row.kind,
    label: row.label,
    userKey: row.user_key,
    fromPredictionUser: row.from_prediction_user,
    createdAt: row.created_at,
  };
}
