import { evenPositions, type ServedWindowFigures, sketchRanks } from '../../core/monitor/served-window.ts';
import type { RowQuery } from './step-window-queries.ts';
import { FEEDBACK_CLAIMS, FEEDBACK_OF_WINDOW, FEEDBACK_TALLY } from './step-window-queries.ts';
import type { ServedWindowQuery } from './store.ts';
import type { Dialect } from './table-mapping.ts';

/**
 * The window's confidences and text lengths at given 0-based ranks of their sorted order (of `count`
 * values), smallest first: each dialect reads order statistics its own way.
 */
export type PointsAtRanks = (
  query: ServedWindowQuery,
  count: number,
  ranks: readonly number[],
) => Promise<{ confidence: number[]; textLength: number[] }>;

/** The window's served predictions at given 0-based positions of capture order (creation time, then seq). */
export type TextsAtPositions = (
  query: ServedWindowQuery,
  positions: readonly number[],
) => Promise<{ id: string; text: string }[]>;

/**
 * The sample by numbering the window in SQL (PostgreSQL's way), then reading the picked rows' texts by seq
 * in a second statement: in one, the planner may hash the whole table to join a thousand rows.
 */
export function numberedSample(run: RowQuery): TextsAtPositions {
  return async (query, positions) => {
    const picked = await run(SAMPLE_SEQS_POSTGRES, [
      query.model,
      query.from,
      query.to,
      query.version,
      positions as unknown as string,
    ]);
    const seqs = picked.map((row) => Number(row.seq));
    const texts = await run(TEXTS_BY_SEQ_POSTGRES, [seqs as unknown as string]);
    const bySeq = new Map(
      texts.map((row) => [Number(row.seq), { id: String(row.id), text: String(row.text) }]),
    );
    return seqs.map((seq) => bySeq.get(seq)!);
  };
}

/**
 * A monitor window's figures computed where the rows are: label counts and the feedback tally by
 * aggregate queries, the sample by position, the sketch points by the dialect's way of reading order
 * statistics (PostgreSQL: percentile_disc; the embedded store: one sorted pass). No row is held in
 * memory but the sample's texts. Statements are written with `?N` parameters; PostgreSQL gets `$N`.
 */
export async function servedWindowFigures(
  run: RowQuery,
  dialect: Dialect,
  pointsAtRanks: PointsAtRanks,
  textsAtPositions: TextsAtPositions,
  query: ServedWindowQuery,
  /** Runs the statement that joins the window to its feedback, when the dialect plans it differently. */
  runFeedbackJoin: RowQuery = run,
): Promise<ServedWindowFigures> {
  const sql = (text: string) => (dialect === 'postgres' ? text.replace(/\?(\d+)/g, '$$$1') : text);
  const params = [query.model, query.from, query.to, query.version] as const;
  // Each statement is one pass over the window: the ones that need not wait for the count run beside it.
  const tallied = runFeedbackJoin(sql(SERVED_TALLY), params);
  const labelRows = await run(sql(LABEL_COUNTS), params);
  const labelCounts: Record<string, number> = {};
  let predictions = 0;
  for (const row of labelRows) {
    const n = Number(row.n);
    labelCounts[String(row.label)] = n;
    predictions += n;
  }
  const positions = evenPositions(predictions, query.sampleSize);
  const [[tally], sample, points] = await Promise.all([
    tallied,
    positions.length === 0 ? [] : textsAtPositions(query, positions),
    predictions === 0
      ? { confidence: [], textLength: [] }
      : pointsAtRanks(query, predictions, sketchRanks(predictions, query.sketchPoints)),
  ]);
  return {
    predictions,
    labelCounts,
    confidencePoints: points.confidence,
    textLengthPoints: points.textLength,
    feedback: { rated: Number(tally?.rated ?? 0), negative: Number(tally?.negative ?? 0) },
    sample,
  };
}

/** The window's served answers of one version: ?1 model, ?2 from, ?3 to, ?4 version. */
export const SERVED = `model = ?1 AND created_at >= ?2 AND created_at < ?3 AND model_version = ?4
  AND variant <> 'shadow'`;

const LABEL_COUNTS = `SELECT label, count(*) AS n FROM predictions WHERE ${SERVED} GROUP BY label ORDER BY label`;

const SERVED_TALLY = `
  WITH arm AS (SELECT id, label FROM predictions WHERE ${SERVED}),
  claims AS (
    SELECT arm.id, ${FEEDBACK_CLAIMS}
    FROM arm JOIN feedback f ON f.prediction_id = arm.id AND ${FEEDBACK_OF_WINDOW}
    GROUP BY arm.id
  )
  SELECT ${FEEDBACK_TALLY} FROM claims`;

/** The seqs at positions ($5) of capture order, read off the covering index. */
const SAMPLE_SEQS_POSTGRES = `
  SELECT seq FROM (
    SELECT seq, row_number() OVER (ORDER BY created_at, seq) - 1 AS position
    FROM predictions WHERE ${SERVED.replace(/\?(\d+)/g, '$$$1')}
  ) w
  WHERE w.position = ANY($5::bigint[]) ORDER BY w.position`;

const TEXTS_BY_SEQ_POSTGRES = 'SELECT seq, id, text FROM predictions WHERE seq = ANY($1::bigint[])';
