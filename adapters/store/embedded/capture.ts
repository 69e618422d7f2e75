import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../../core/capture/records.ts';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import { FEEDBACK, PREDICTIONS } from '../capture-tables.ts';
import {
  type PointsAtRanks,
  SERVED,
  servedWindowFigures,
  type TextsAtPositions,
} from '../served-window-queries.ts';
import { stepWindowFigures } from '../step-window-queries.ts';
import type { FeedbackRepository, PredictionRepository, Sequenced } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, recordOfValues, rowValues } from '../table-mapping.ts';

const PREDICTION_COLUMNS = columnList(PREDICTIONS);
const PREDICTION_PLACEHOLDERS = embeddedPlaceholders(PREDICTIONS);
const FEEDBACK_COLUMNS = columnList(FEEDBACK);
/** Rows per INSERT statement: one call per 100 rows binds ~30% faster than one call per row. */
const ROWS_PER_STATEMENT = 100;

type Row = Record<string, unknown> & { seq: number };
type Bindable = SQLInputValue;

const predictionValues = (row: PredictionRecord) => rowValues(PREDICTIONS, row, 'embedded') as Bindable[];
const toPrediction = (row: Row) => recordOf(PREDICTIONS, row, 'embedded');
/** A row of a statement that returns arrays (`seq` first, then the prediction's columns). */
const sequencedPredictionOf = (values: unknown[]) =>
  recordOfValues(PREDICTIONS, values, 'embedded', 1) as Sequenced<PredictionRecord>;
/** Prepared to return each row as an array: see recordOfValues. */
const returningArrays = (statement: StatementSync) => {
  statement.setReturnArrays(true);
  return statement;
};
const toFeedback = (row: Row) => recordOf(FEEDBACK, row, 'embedded');

export function embeddedPredictions(db: DatabaseSync): PredictionRepository {
  const insertStatement = (rows: number) =>
    db.prepare(
      `INSERT INTO predictions (${PREDICTION_COLUMNS}) VALUES ${Array(rows).fill(PREDICTION_PLACEHOLDERS).join(', ')}
       ON CONFLICT (id) DO NOTHING`,
    );
  const insertChunk = insertStatement(ROWS_PER_STATEMENT);
  const insertOne = insertStatement(1);
  const get = db.prepare(`SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE id = ?`);
  const listAfter = returningArrays(
    db.prepare(
      `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE model = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
  );
  const listBetween = db.prepare(
    `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions
     WHERE model = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, seq`,
  );
  const listBetweenOfVariant = db.prepare(
    `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions
     WHERE model = ? AND created_at >= ? AND created_at < ? AND variant = ? ORDER BY created_at, seq`,
  );
  // The ids travel as one JSON array: no statement per list length, no limit on bound parameters.
  const getMany = returningArrays(
    db.prepare(
      `SELECT seq, ${PREDICTION_COLUMNS} FROM predictions WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    ),
  );
  // Left to itself the planner walks the whole range by (model, seq) for each page of a collection;
  // each served id has at most a few twins, so the served-id index is the one to use.
  const shadowsOf = returningArrays(
    db.prepare(
      `SELECT p.seq, ${PREDICTION_COLUMNS.split(', ')
        .map((column) => `p.${column}`)
        .join(', ')}
     FROM (SELECT DISTINCT value FROM json_each(?)) AS wanted
     CROSS JOIN predictions AS p INDEXED BY predictions_by_served_prediction ON p.served_prediction_id = wanted.value
     WHERE p.served_prediction_id IS NOT NULL AND p.model = ? AND p.variant = 'shadow' AND p.seq > ? AND p.seq <= ?
     ORDER BY p.seq`,
    ),
  );
  const countAll = db.prepare('SELECT count(*) AS n FROM predictions');
  const countOfModel = db.prepare('SELECT count(*) AS n FROM predictions WHERE model = ?');
  const statements = new Map<string, StatementSync>();
  const rowsOf = async (sql: string, params: readonly Bindable[]) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement.all(...params) as Record<string, unknown>[];
  };

  return {
    async insertMany(rows) {
      writeTransaction(db, () => {
        let next = 0;
        for (; next + ROWS_PER_STATEMENT <= rows.length; next += ROWS_PER_STATEMENT) {
          insertChunk.run(...rows.slice(next, next + ROWS_PER_STATEMENT).flatMap(predictionValues));
        }
        for (; next < rows.length; next++) insertOne.run(...predictionValues(rows[next]!));
      });
    },
    async get(id) {
      const row = get.get(id) as Row | undefined;
      return row ? toPrediction(row) : null;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      return (getMany.all(JSON.stringify(ids)) as unknown as unknown[][]).map(sequencedPredictionOf);
    },
    async shadowsOf(model, servedIds, { afterSeq, upToSeq }) {
      if (servedIds.length === 0) return [];
      const rows = shadowsOf.all(
        JSON.stringify(servedIds),
        model,
        afterSeq,
        upToSeq,
      ) as unknown as unknown[][];
      return rows.map(sequencedPredictionOf);
    },
    async listAfter(model, afterSeq, limit) {
      return (listAfter.all(model, afterSeq, limit) as unknown as unknown[][]).map(sequencedPredictionOf);
    },
    async listBetween(model, from, to, variant) {
      const rows = variant
        ? listBetweenOfVariant.all(model, from, to, variant)
        : listBetween.all(model, from, to);
      return (rows as unknown as Row[]).map(toPrediction);
    },
    async count(model) {
      return countOf(model === undefined ? countAll.get() : countOfModel.get(model));
    },
    stepWindow: (query) => stepWindowFigures(rowsOf, 'embedded', query),
    servedWindow: (query) =>
      servedWindowFigures(rowsOf, 'embedded', sortedPasses(db), walkedSample(db), query),
  };
}

export function embeddedFeedback(db: DatabaseSync): FeedbackRepository {
  const columns = FEEDBACK_COLUMNS;
  const insert = db.prepare(
    `INSERT INTO feedback (${columns}) VALUES ${embeddedPlaceholders(FEEDBACK)}
     ON CONFLICT (id) DO NOTHING`,
  );
  const listAfter = db.prepare(
    `SELECT seq, ${columns} FROM feedback WHERE model = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  // The ids travel as one JSON array: no statement per list length, no limit on bound parameters.
  const listForPredictions = db.prepare(
    `SELECT seq, ${columns} FROM feedback
     WHERE prediction_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
  );
  const countAll = db.prepare('SELECT count(*) AS n FROM feedback');
  const countOfModel = db.prepare('SELECT count(*) AS n FROM feedback WHERE model = ?');
  const insertRow = (statement: StatementSync, row: FeedbackRecord) =>
    statement.run(...(rowValues(FEEDBACK, row, 'embedded') as Bindable[]));

  return {
    async insert(row) {
      const { changes } = writeTransaction(db, () => insertRow(insert, row));
      return { inserted: Number(changes) === 1 };
    },
    async insertMany(rows) {
      writeTransaction(db, () => {
        for (const row of rows) insertRow(insert, row);
      });
    },
    async listAfter(model, afterSeq, limit) {
      return (listAfter.all(model, afterSeq, limit) as unknown as Row[]).map((row) => ({
        ...toFeedback(row),
        seq: row.seq,
      }));
    },
    async listForPredictions(predictionIds) {
      if (predictionIds.length === 0) return [];
      return (listForPredictions.all(JSON.stringify(predictionIds)) as unknown as Row[]).map(toFeedback);
    },
    async count(model) {
      return countOf(model === undefined ? countAll.get() : countOfModel.get(model));
    },
  };
}

export function embeddedCaptureHead(db: DatabaseSync): (model: string) => Promise<CaptureWatermark> {
  const head = db.prepare(
    `SELECT (SELECT coalesce(max(seq), 0) FROM predictions WHERE model = ?1) AS prediction_seq,
            (SELECT coalesce(max(seq), 0) FROM feedback WHERE model = ?1) AS feedback_seq`,
  );
  return async (model) => {
    const row = head.get(model) as { prediction_seq: number; feedback_seq: number };
    return { predictionSeq: row.prediction_seq, feedbackSeq: row.feedback_seq };
  };
}

/**
 * Order statistics in one sorted pass per column, stepping through SQLite's sorter output and keeping
 * only the values at the wanted ranks. Text length is String length (UTF-16 units), which SQLite's
 * length() is not (it counts characters), hence a function of our own.
 */
function sortedPasses(db: DatabaseSync): PointsAtRanks {
  db.function('flywheel_text_length', { deterministic: true }, (text) =>
    typeof text === 'string' ? text.length : null,
  );
  const sorted = (expression: string) =>
    db.prepare(`SELECT ${expression} AS value FROM predictions WHERE ${SERVED} ORDER BY value`);
  const confidence = sorted('confidence');
  // Only texts beyond ASCII go through JavaScript: a string per row would be garbage by the million.
  const textLength = sorted(
    'CASE WHEN octet_length(text) = length(text) THEN length(text) ELSE flywheel_text_length(text) END',
  );
  const atRanks = (
    statement: StatementSync,
    query: Parameters<PointsAtRanks>[0],
    ranks: readonly number[],
  ) => {
    const values: number[] = [];
    let rank = 0;
    for (const row of statement.iterate(query.model, query.from, query.to, query.version)) {
      while (values.length < ranks.length && ranks[values.length] === rank) {
        values.push(Number((row as { value: number }).value));
      }
      if (values.length === ranks.length) break;
      rank++;
    }
    return values;
  };
  return async (query, _count, ranks) => ({
    confidence: atRanks(confidence, query, ranks),
    textLength: atRanks(textLength, query, ranks),
  });
}

/**
 * The sample by walking the window in capture order: the (model, created_at) index holds the rowid (seq)
 * after created_at, so the walk needs no sort and keeps nothing but the picked seqs; their texts are
 * read last. (SQLite's row_number() would store the whole window in a temporary table first.)
 */
function walkedSample(db: DatabaseSync): TextsAtPositions {
  const walk = db.prepare(`SELECT seq FROM predictions WHERE ${SERVED} ORDER BY created_at, seq`);
  const texts = db.prepare(
    'SELECT seq, id, text FROM predictions WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq',
  );
  return async (query, positions) => {
    const seqs: number[] = [];
    let position = 0;
    for (const row of walk.iterate(query.model, query.from, query.to, query.version)) {
      if (positions[seqs.length] === position) seqs.push(Number((row as { seq: number }).seq));
      if (seqs.length === positions.length) break;
      position++;
    }
    const bySeq = new Map(
      (texts.all(JSON.stringify(seqs)) as { seq: number; id: string; text: string }[]).map((row) => [
        Number(row.seq),
        { id: row.id, text: row.text },
      ]),
    );
    return seqs.map((seq) => bySeq.get(seq)!);
  };
}

function countOf(row: unknown): number {
  return Number((row as { n: number }).n);
}
