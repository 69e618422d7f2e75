import type pg from 'pg';
import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../../core/capture/records.ts';
import { FEEDBACK, PREDICTIONS } from '../capture-tables.ts';
import type { FeedbackRepository, PredictionRepository, Sequenced } from '../store.ts';
import {
  columnArrays,
  columnList,
  postgresUnnestSelect,
  recordOf,
  recordOfValues,
  type TableMapping,
} from '../table-mapping.ts';
import { copyBatch } from './copy-batch.ts';
import { postgresServedWindow } from './served-window.ts';
import { postgresStepWindow } from './step-window.ts';

/**
 * Identity values are handed out at insert time but become visible at commit: two concurrent
 * batches could commit out of seq order, and a reader paging by watermark would skip the
 * late-committing one for ever. Capture writers therefore take turns per table (a transaction-scoped
 * advisory lock held until commit); readers are not blocked.
 */
const CAPTURE_LOCK = 7_231_005;
const PREDICTIONS_LOCK = 1;
const FEEDBACK_LOCK = 2;

const PREDICTION_COLUMNS = columnList(PREDICTIONS);
const FEEDBACK_COLUMNS = columnList(FEEDBACK);

type Row = Record<string, unknown> & { seq: number };
const toPrediction = (row: Row) => recordOf(PREDICTIONS, row, 'postgres');
const toFeedback = (row: Row) => recordOf(FEEDBACK, row, 'postgres');

/**
 * Batches go in by COPY (copy-batch.ts); this INSERT is for single rows and for a batch holding an id
 * already stored (a retry). One statement per batch, whatever its size: a column of values per array parameter. The lock is
 * taken inside the statement (its transaction is the statement's), before any row gets its seq,
 * and released at commit: one round trip per batch instead of four. JSON columns travel as text.
 */
function batchInsert<R>(mapping: TableMapping<R>, lock: number): string {
  return `
  WITH capture_turn AS MATERIALIZED (SELECT pg_advisory_xact_lock(${CAPTURE_LOCK}, ${lock}))
  INSERT INTO ${mapping.table} (${columnList(mapping)})
  ${postgresUnnestSelect(mapping, 'capture_turn')}
  ON CONFLICT (id) DO NOTHING`;
}

const INSERT_PREDICTIONS = batchInsert(PREDICTIONS, PREDICTIONS_LOCK);
const INSERT_FEEDBACK = batchInsert(FEEDBACK, FEEDBACK_LOCK);

/**
 * Predictions with their positions, read as arrays (`seq` first) and turned into records in one step:
 * the pages of a capture walk, where pg's row objects and a copy of each were garbage by the million.
 */
async function sequencedPredictions(
  pool: pg.Pool,
  text: string,
  values: unknown[],
): Promise<Sequenced<PredictionRecord>[]> {
  const { rows } = await pool.query<unknown[]>({ text, values, rowMode: 'array' });
  return rows.map((row) => recordOfValues(PREDICTIONS, row, 'postgres', 1) as Sequenced<PredictionRecord>);
}

export function postgresPredictions(pool: pg.Pool): PredictionRepository {
  return {
    async insertMany(rows) {
      if (rows.length === 0) return;
      if (await copyBatch(pool, PREDICTIONS, [CAPTURE_LOCK, PREDICTIONS_LOCK], rows)) return;
      await pool.query(INSERT_PREDICTIONS, columnArrays(PREDICTIONS, rows, 'postgres'));
    },
    async get(id) {
      const { rows } = await pool.query<Row>(
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE id = $1`,
        [id],
      );
      return rows[0] ? toPrediction(rows[0]) : null;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      return sequencedPredictions(
        pool,
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE id = ANY($1::text[]) ORDER BY seq`,
        [ids],
      );
    },
    async shadowsOf(model, servedIds, { afterSeq, upToSeq }) {
      if (servedIds.length === 0) return [];
      return sequencedPredictions(
        pool,
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions
         WHERE served_prediction_id = ANY($1::text[]) AND model = $2 AND variant = 'shadow'
           AND seq > $3 AND seq <= $4
         ORDER BY seq`,
        [servedIds, model, afterSeq, upToSeq],
      );
    },
    async listAfter(model, afterSeq, limit) {
      return sequencedPredictions(
        pool,
        `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE model = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [model, afterSeq, limit],
      );
    },
    async listBetween(model, from, to, variant) {
      const { rows } = await pool.query<Row>(
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
    stepWindow: (query) => postgresStepWindow(pool, query),
    servedWindow: (query) => postgresServedWindow(pool, query),
  };
}

export function postgresFeedback(pool: pg.Pool): FeedbackRepository {
  const insertBatch = async (rows: readonly FeedbackRecord[]) => {
    const { rowCount } = await pool.query(INSERT_FEEDBACK, columnArrays(FEEDBACK, rows, 'postgres'));
    return rowCount ?? 0;
  };

  return {
    async insert(row) {
      return { inserted: (await insertBatch([row])) === 1 };
    },
    async insertMany(rows) {
      if (rows.length === 0) return;
      if (await copyBatch(pool, FEEDBACK, [CAPTURE_LOCK, FEEDBACK_LOCK], rows)) return;
      await insertBatch(rows);
    },
    async listAfter(model, afterSeq, limit) {
      const { rows } = await pool.query<Row>(
        `SELECT seq, ${FEEDBACK_COLUMNS} FROM feedback WHERE model = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [model, afterSeq, limit],
      );
      return rows.map((row): Sequenced<FeedbackRecord> => ({ ...toFeedback(row), seq: row.seq }));
    },
    async listForPredictions(predictionIds) {
      if (predictionIds.length === 0) return [];
      const { rows } = await pool.query<Row>(
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
