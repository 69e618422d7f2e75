import type pg from 'pg';
import type { ArmFigures, StepWindow } from '../../../core/rollout/step-window.ts';
import { FEEDBACK_CLAIMS, FEEDBACK_OF_WINDOW, FEEDBACK_TALLY } from '../step-window-queries.ts';
import type { StepWindowQuery } from '../store.ts';

/**
 * The nearest-rank percentiles core/rollout reports, as fractions. PostgreSQL's percentile_disc takes the
 * ceil(fraction × count)-th value (at least the first), which is core's nearestRankIndex: the same double
 * fraction gives the same row.
 */
const LATENCY_FRACTIONS = [50 / 100, 99 / 100];

/**
 * Settings for these read-only statements only. Sorting a million latencies for percentile_disc takes
 * ~25 MB and hashing a window's served answers ~40 MB: the server's default work_mem (4 MB) would spill
 * them to disk. JIT compilation, which the planner's cost estimates for a million rows switch on, took
 * longer (seconds, with inlining) than running the statements. No parallel workers: a step's statements
 * already run side by side, and each one's workers competed with the others for the same cores (a
 * shadow step over 1M predictions took 2.4–3.9 s with them, 1.0–2.5 s without, on 2 busy cores).
 */
const AGGREGATE_SETTINGS =
  "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0";
/**
 * For statements joining a window to its feedback or its shadow twins. Variant and version are
 * correlated, so the planner underestimates an arm (a hundredfold without the statistics of migration 8,
 * still tenfold with them) and picks a nested loop — a random table read per feedback row of the model
 * or per twin, which grows with the table, not the window — or sorts both sides by id. A hash join is
 * the plan whatever the estimate: one pass over the window, one over the feedback recorded since it
 * opened (FEEDBACK_OF_WINDOW).
 */
export const HASH_JOIN_ONLY = 'SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off';

/**
 * A rollout step's figures on PostgreSQL in three statements run side by side, each one pass over the
 * window through the covering index `predictions_window` (migration 8: no table row is read, no text):
 * per-arm counts and latency percentiles with FILTER clauses and percentile_disc; the feedback tally of
 * both arms; the shadow comparison. Same figures as core/rollout's summarizeStepWindow (the store
 * contract suite compares them).
 */
export async function postgresStepWindow(pool: pg.Pool, query: StepWindowQuery): Promise<StepWindow> {
  const candidateVariant = query.mode === 'canary' ? 'canary' : 'shadow';
  const window = [query.model, query.from, query.to, query.championVersion, query.candidateVersion];
  const [arms, tallies, comparison] = await Promise.all([
    aggregate(pool, ARMS, [...window, candidateVariant, LATENCY_FRACTIONS]),
    // Feedback only exists for served answers: a shadow arm has none (as in summarizeStepWindow).
    aggregate(pool, TALLIES, [...window, query.mode === 'canary' ? 'canary' : null], HASH_JOIN_ONLY),
    query.mode === 'shadow'
      ? aggregate(pool, SHADOW_COMPARISON, window, HASH_JOIN_ONLY)
      : Promise.resolve([]),
  ]);
  const figures = arms[0] ?? {};
  const tallyOf = (variant: string) => {
    const row = tallies.find((t) => t.variant === variant);
    return { rated: Number(row?.rated ?? 0), negative: Number(row?.negative ?? 0) };
  };
  const arm = (prefix: 'champion' | 'candidate', variant: string): ArmFigures => {
    const latency = figures[`${prefix}_latency`] as number[] | null;
    return {
      predictions: Number(figures[`${prefix}_predictions`] ?? 0),
      feedback: tallyOf(variant),
      latencyP50Ms: latency ? Number(latency[0]) : null,
      latencyP99Ms: latency ? Number(latency[1]) : null,
    };
  };
  const champion = arm('champion', 'champion');
  const candidate = arm('candidate', candidateVariant);
  if (query.mode === 'canary') return { mode: 'canary', candidate, champion, shadow: null };
  const [compared] = comparison;
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

/** One read-only statement with room to sort in memory; its own pooled connection, so several run at once. */
export async function aggregate(
  pool: pg.Pool,
  sql: string,
  params: readonly unknown[],
  planSettings?: string,
): Promise<Record<string, unknown>[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN READ ONLY; ${AGGREGATE_SETTINGS}${planSettings ? `; ${planSettings}` : ''}`);
    const { rows } = await client.query(sql, [...params]);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** $1 model, $2 from, $3 to (ms): the window, read through predictions_window. */
const IN_WINDOW = 'model = $1 AND created_at >= $2 AND created_at < $3';
/** $4 champion version, $5 candidate version, $6 candidate variant (null: no candidate arm). */
const CHAMPION_ARM = `variant = 'champion' AND model_version = $4`;
const CANDIDATE_ARM = `variant = $6 AND model_version = $5`;

/** Both arms' counts and latency percentiles ($7 the fractions) in one pass. */
const ARMS = `
  SELECT
    count(*) FILTER (WHERE ${CHAMPION_ARM}) AS champion_predictions,
    percentile_disc($7::float8[]) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${CHAMPION_ARM})
      AS champion_latency,
    count(*) FILTER (WHERE ${CANDIDATE_ARM}) AS candidate_predictions,
    percentile_disc($7::float8[]) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE ${CANDIDATE_ARM})
      AS candidate_latency
  FROM predictions
  WHERE ${IN_WINDOW} AND ((${CHAMPION_ARM}) OR (${CANDIDATE_ARM}))`;

/** The feedback tally of each served arm, by variant. */
const TALLIES = `
  WITH arm AS (
    SELECT id, label, variant FROM predictions
    WHERE ${IN_WINDOW} AND ((${CHAMPION_ARM}) OR (${CANDIDATE_ARM}))
  ),
  claims AS (
    SELECT arm.variant, arm.id, ${FEEDBACK_CLAIMS}
    FROM arm JOIN feedback f ON f.prediction_id = arm.id AND ${FEEDBACK_OF_WINDOW.replace(/\?(\d+)/g, '$$$1')}
    GROUP BY arm.variant, arm.id
  )
  SELECT variant, ${FEEDBACK_TALLY}
  FROM claims GROUP BY variant`;

/**
 * Served champion predictions of the window with a shadow twin of the candidate in the window; the first
 * twin (by creation time, then capture order) is the one compared, as summarizeStepWindow does. The
 * twins are picked (a sort of the shadow arm only) and hashed, and the served answers stream past them
 * (HASH_JOIN_ONLY): inlining the twins lets the planner hash the smaller side, where a materialized CTE
 * had it hash every served answer of the window (1.8 s instead of 2.2 s at 1M).
 *
 * The twins say nothing of `served_prediction_id IS NOT NULL` (a twin without one joins nothing anyway):
 * with it the planner could pick the partial index predictions_by_served_prediction (migration 11), which
 * holds every shadow row of the table, and read each one's table row to keep those of the window — 1.4 s
 * of heap reads at 1M rows, growing with the table. The covering window index gives the twins in 0.8 s.
 */
const SHADOW_COMPARISON = `
  WITH twins AS NOT MATERIALIZED (
    SELECT DISTINCT ON (served_prediction_id) served_prediction_id, label FROM predictions
    WHERE ${IN_WINDOW} AND variant = 'shadow' AND model_version = $5
    ORDER BY served_prediction_id, created_at, seq
  )
  SELECT count(*) AS compared,
    coalesce(sum(CASE WHEN served.label <> twins.label THEN 1 ELSE 0 END), 0) AS disagreements
  FROM twins JOIN predictions served ON served.id = twins.served_prediction_id
  WHERE served.model = $1 AND served.created_at >= $2 AND served.created_at < $3
    AND served.variant = 'champion' AND served.model_version = $4`;
