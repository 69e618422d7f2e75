import type { FeedbackTally } from '../../core/feedback/feedback-tally.ts';
import { type ArmFigures, nearestRankIndex, type StepWindow } from '../../core/rollout/step-window.ts';
import type { StepWindowQuery } from './store.ts';
import type { Dialect } from './table-mapping.ts';

/** Runs one statement with positional parameters and returns its rows. */
export type RowQuery = (
  sql: string,
  params: readonly (string | number)[],
) => Promise<Record<string, unknown>[]>;

/**
 * A rollout step's figures computed by the store, in the same words as core/rollout/step-window.ts and
 * core/feedback (same rows in, same figures out; the store contract suite compares them): counts and
 * the feedback tally by aggregate queries, latency percentiles by one ordered row each, the shadow
 * comparison by a join. Memory stays flat whatever the window holds, and no text is read.
 *
 * The embedded store's way (SQLite sorts an arm's latencies for each percentile); PostgreSQL answers in
 * one pass per figure with percentile_disc (postgres/step-window.ts) and shares the feedback rules below.
 * The statements are written with `?N` parameters; PostgreSQL would get them as `$N`.
 */
export async function stepWindowFigures(
  run: RowQuery,
  dialect: Dialect,
  query: StepWindowQuery,
): Promise<StepWindow> {
  const sql = (text: string) => (dialect === 'postgres' ? text.replace(/\?(\d+)/g, '$$$1') : text);
  const window = [query.model, query.from, query.to] as const;

  const arm = async (variant: string, version: string, withFeedback: boolean): Promise<ArmFigures> => {
    const params = [...window, variant, version];
    const [counted] = await run(sql(withFeedback ? ARM_TALLY : ARM_COUNT), params);
    const predictions = Number(counted?.predictions ?? 0);
    const feedback: FeedbackTally = withFeedback
      ? { rated: Number(counted?.rated ?? 0), negative: Number(counted?.negative ?? 0) }
      : { rated: 0, negative: 0 };
    const latency = async (p: number): Promise<number | null> => {
      if (predictions === 0) return null;
      const index = nearestRankIndex(predictions, p);
      // Counting from the nearer end keeps the store's top-N sort small for the high percentiles.
      const fromTop = index >= predictions / 2;
      const [row] = await run(sql(fromTop ? LATENCY_FROM_TOP : LATENCY_FROM_BOTTOM), [
        ...params,
        fromTop ? predictions - 1 - index : index,
      ]);
      return row ? Number(row.latency_ms) : null;
    };
    return { predictions, feedback, latencyP50Ms: await latency(50), latencyP99Ms: await latency(99) };
  };

  const champion = await arm('champion', query.championVersion, true);
  if (query.mode === 'canary') {
    return {
      mode: 'canary',
      candidate: await arm('canary', query.candidateVersion, true),
      champion,
      shadow: null,
    };
  }
  // Feedback only exists for served answers: a shadow arm has none (as in summarizeStepWindow).
  const candidate = await arm('shadow', query.candidateVersion, false);
  const [compared] = await run(sql(SHADOW_COMPARISON), [
    ...window,
    query.championVersion,
    query.candidateVersion,
  ]);
  return {
    mode: 'shadow',
    candidate,
    champion,
    shadow: {
      compared: Number(compared?.compared ?? 0),
      disagreements: Number(compared?.disagreements ?? 0),
    },
  };
}

/** The arm: one variant of one version in the window. ?1 model, ?2 from, ?3 to, ?4 variant, ?5 version. */
const ARM = `SELECT id, label, latency_ms FROM predictions
  WHERE model = ?1 AND created_at >= ?2 AND created_at < ?3 AND variant = ?4 AND model_version = ?5`;

const ARM_COUNT = `SELECT count(*) AS predictions FROM (${ARM}) arm`;

/**
 * feedbackVerdict per rated prediction, then tallyFeedback: users who say right (`correct`, or the
 * predicted label) against users who say wrong (`incorrect`, or another label); both, or two different
 * other labels, is a conflict and is left out; wrong (a known or unknown label alike) is negative.
 * CLAIMS reads a rated prediction `arm` (id, label) joined to its feedback `f`, grouped by arm.id;
 * TALLY sums its rows. Shared with the PostgreSQL store's one-pass step analysis.
 */
export const FEEDBACK_CLAIMS = `
      sum(CASE WHEN f.kind = 'correct' OR (f.kind = 'label' AND f.label = arm.label) THEN 1 ELSE 0 END)
        AS says_right,
      sum(CASE WHEN f.kind = 'incorrect' OR (f.kind = 'label' AND f.label <> arm.label) THEN 1 ELSE 0 END)
        AS says_wrong,
      count(DISTINCT CASE WHEN f.kind = 'label' AND f.label <> arm.label THEN f.label END) AS other_labels`;

/**
 * Which feedback a window's predictions count: their own (`f` joined by prediction id), recorded by the
 * model no earlier than ten minutes before the window opens. The gateway writes feedback only once its
 * prediction is in the store, so feedback is never older than its prediction but by how far two gateway
 * hosts' clocks are apart; ten minutes is far beyond what a host kept by NTP drifts. The bound lets
 * PostgreSQL read the feedback recorded since the window opened (index `feedback_since`, migration 12)
 * instead of the model's whole feedback table. ?1 model, ?2 from (ms).
 */
export const FEEDBACK_CLOCK_SLACK_MS = 10 * 60 * 1000;
export const FEEDBACK_OF_WINDOW = `f.model = ?1 AND f.created_at >= ?2 - ${FEEDBACK_CLOCK_SLACK_MS}`;

export const FEEDBACK_TALLY = `
    coalesce(sum(CASE WHEN says_right > 0 AND says_wrong > 0 THEN 0
                      WHEN other_labels > 1 THEN 0
                      WHEN says_right > 0 OR says_wrong > 0 THEN 1
                      ELSE 0 END), 0) AS rated,
    coalesce(sum(CASE WHEN says_right = 0 AND says_wrong > 0 AND other_labels <= 1 THEN 1 ELSE 0 END), 0)
      AS negative`;

const ARM_TALLY = `
  WITH arm AS (${ARM}),
  claims AS (
    SELECT arm.id, ${FEEDBACK_CLAIMS}
    FROM arm JOIN feedback f ON f.prediction_id = arm.id AND ${FEEDBACK_OF_WINDOW}
    GROUP BY arm.id
  )
  SELECT (SELECT count(*) FROM arm) AS predictions, ${FEEDBACK_TALLY}
  FROM claims`;

/** The value at a 0-based position (?6) of the arm's latencies, counted from the smallest or the largest. */
const LATENCY_FROM_BOTTOM = `SELECT latency_ms FROM (${ARM}) arm ORDER BY latency_ms LIMIT 1 OFFSET ?6`;
const LATENCY_FROM_TOP = `SELECT latency_ms FROM (${ARM}) arm ORDER BY latency_ms DESC LIMIT 1 OFFSET ?6`;

/**
 * Served champion predictions of the window with a shadow twin of the candidate in the window; the first
 * twin (by creation time, then capture order) is the one compared, as summarizeStepWindow does. The
 * twins are numbered once (MATERIALIZED), then each finds its served answer by id: a planner that
 * re-ran the numbering per served row would make this quadratic.
 * ?1 model, ?2 from, ?3 to, ?4 champion version, ?5 candidate version.
 */
const SHADOW_COMPARISON = `
  WITH twins AS MATERIALIZED (
    SELECT served_prediction_id, label,
      row_number() OVER (PARTITION BY served_prediction_id ORDER BY created_at, seq) AS nth
    FROM predictions
    WHERE model = ?1 AND created_at >= ?2 AND created_at < ?3 AND variant = 'shadow'
      AND model_version = ?5 AND served_prediction_id IS NOT NULL
  )
  SELECT count(*) AS compared,
    coalesce(sum(CASE WHEN served.label <> twins.label THEN 1 ELSE 0 END), 0) AS disagreements
  FROM twins JOIN predictions served ON served.id = twins.served_prediction_id
  WHERE twins.nth = 1 AND served.model = ?1 AND served.created_at >= ?2 AND served.created_at < ?3
    AND served.variant = 'champion' AND served.model_version = ?4`;
