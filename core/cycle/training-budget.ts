import { z } from 'zod';

/**
 * What a cycle may spend. Every limit is off (null) by default; a cycle that would go over one ends with
 * outcome `over-budget` and the figures (which limit, its value, what was or would be used).
 *
 * Where each limit is checked, and why there:
 * - per model per UTC day: when the cycle starts, from what the store recorded (cycles started today,
 *   training CPU-seconds the training activities logged in the audit trail), before anything is mined;
 * - review labels: after mining, before anything reaches a reviewer. The cycle ends instead of trimming the
 *   batch: `mining.labelBudget` is the knob that picks the highest-priority items for review, the budget is a
 *   ceiling that never changes silently what the mining chose;
 * - training wall and CPU time: inside the training activity while it trains; an attempt that goes over is
 *   stopped before its model version is registered.
 */
const Seconds = z
  .number()
  .positive()
  .max(31 * 24 * 3600);

export const BudgetConfig = z
  .strictObject({
    perCycle: z
      .strictObject({
        maxTrainingSeconds: Seconds.nullable()
          .default(null)
          .describe(
            'Longest wall time one training may run, in seconds (each candidate of a sweep trains side by side ' +
              'and gets the whole of it). Over it the training is stopped and the cycle ends over-budget.',
          ),
        maxTrainingCpuSeconds: Seconds.nullable()
          .default(null)
          .describe(
            "CPU-seconds the cycle's training may use (a sweep's candidates share it equally). Over it the " +
              'training is stopped and the cycle ends over-budget.',
          ),
        maxReviewLabels: z
          .number()
          .int()
          .min(0)
          .nullable()
          .default(null)
          .describe(
            'Most items the cycle may send to human review. A cycle whose mining picked more ends over-budget ' +
              'before any reviewer sees them; mining.labelBudget is what picks fewer.',
          ),
      })
      .prefault({}),
    perModelPerDay: z
      .strictObject({
        maxCycles: z
          .number()
          .int()
          .min(1)
          .nullable()
          .default(null)
          .describe(
            'Most cycles of the model that may start per UTC day (cycles that ended over-budget do not count).',
          ),
        maxTrainingCpuSeconds: Seconds.nullable()
          .default(null)
          .describe(
            "Training CPU-seconds the model's cycles may use per UTC day, counted from the audit trail.",
          ),
      })
      .prefault({}),
  })
  .prefault({});
export type BudgetConfig = z.output<typeof BudgetConfig>;

/** A limit that was or would be gone over: which field, its value, and what was or would be used. */
export interface BudgetOverrun {
  /** The config field, e.g. `budget.perCycle.maxTrainingSeconds`. */
  limit: string;
  unit: 'seconds' | 'CPU-seconds' | 'review labels' | 'cycles';
  max: number;
  used: number;
  /** Where it was found: at the start (the day's limits), before review, or while training. */
  checkedAt: 'start' | 'review' | 'training';
}

/** What the store says the model spent in the current UTC day. */
export interface DailySpend {
  /** Cycles of the model started today, this one and those that ended over-budget left out. */
  cycles: number;
  trainingCpuSeconds: number;
}

/** One limit a training activity enforces on itself. */
export interface TrainingLimit {
  limit: string;
  measure: 'wall' | 'cpu';
  max: number;
}

export interface TrainingUse {
  wallSeconds: number;
  cpuSeconds: number;
}

/** Failure type of a training stopped by its budget; its details hold the BudgetOverrun. */
export const TRAINING_OVER_BUDGET = 'TrainingOverBudget';

/** Audit kind of the cost record each training attempt leaves: what the per-day limit is counted from. */
export const TRAINING_COST_AUDIT = 'training-cost';

const DAY_MS = 86_400_000;

/** Start of the UTC day that holds `at` (milliseconds). */
export function utcDayStart(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

export function hasDailyLimit(budget: BudgetConfig): boolean {
  const day = budget.perModelPerDay;
  return day.maxCycles !== null || day.maxTrainingCpuSeconds !== null;
}

/** Whether one more cycle may start today; the first limit it would go over, or null. */
export function dailyOverrun(budget: BudgetConfig, spent: DailySpend): BudgetOverrun | null {
  const day = budget.perModelPerDay;
  if (day.maxCycles !== null && spent.cycles + 1 > day.maxCycles) {
    return {
      limit: 'budget.perModelPerDay.maxCycles',
      unit: 'cycles',
      max: day.maxCycles,
      used: spent.cycles + 1,
      checkedAt: 'start',
    };
  }
  if (day.maxTrainingCpuSeconds !== null && spent.trainingCpuSeconds >= day.maxTrainingCpuSeconds) {
    return {
      limit: 'budget.perModelPerDay.maxTrainingCpuSeconds',
      unit: 'CPU-seconds',
      max: day.maxTrainingCpuSeconds,
      used: round(spent.trainingCpuSeconds),
      checkedAt: 'start',
    };
  }
  return null;
}

/** Whether the items mining picked for review fit the budget; the overrun when they do not. */
export function reviewOverrun(budget: BudgetConfig, needsReview: number): BudgetOverrun | null {
  const max = budget.perCycle.maxReviewLabels;
  if (max === null || needsReview <= max) return null;
  return {
    limit: 'budget.perCycle.maxReviewLabels',
    unit: 'review labels',
    max,
    used: needsReview,
    checkedAt: 'review',
  };
}

/**
 * The limits each training activity of a cycle enforces: the wall limit as it is (candidates train side by
 * side), the CPU limit (the cycle's, or what is left of the day's if less) shared equally by the candidates.
 */
export function trainingLimits(
  budget: BudgetConfig,
  spentToday: DailySpend | null,
  candidates: number,
): TrainingLimit[] {
  const limits: TrainingLimit[] = [];
  const wall = budget.perCycle.maxTrainingSeconds;
  if (wall !== null) limits.push({ limit: 'budget.perCycle.maxTrainingSeconds', measure: 'wall', max: wall });
  const cycleCpu = budget.perCycle.maxTrainingCpuSeconds;
  const dayCpu = budget.perModelPerDay.maxTrainingCpuSeconds;
  const dayLeft = dayCpu === null ? null : Math.max(0, dayCpu - (spentToday?.trainingCpuSeconds ?? 0));
  const share = Math.max(1, candidates);
  if (cycleCpu !== null && (dayLeft === null || cycleCpu <= dayLeft)) {
    limits.push({ limit: 'budget.perCycle.maxTrainingCpuSeconds', measure: 'cpu', max: cycleCpu / share });
  } else if (dayLeft !== null) {
    limits.push({
      limit: 'budget.perModelPerDay.maxTrainingCpuSeconds',
      measure: 'cpu',
      max: dayLeft / share,
    });
  }
  return limits;
}

/** The first limit a training has gone over, with what it used; null while within all of them. */
export function trainingOverrun(limits: readonly TrainingLimit[], used: TrainingUse): BudgetOverrun | null {
  for (const limit of limits) {
    const figure = limit.measure === 'wall' ? used.wallSeconds : used.cpuSeconds;
    if (figure > limit.max) {
      return {
        limit: limit.limit,
        unit: limit.measure === 'wall' ? 'seconds' : 'CPU-seconds',
        max: round(limit.max),
        used: round(figure),
        checkedAt: 'training',
      };
    }
  }
  return null;
}

/** One line for the cycle's reasons, naming the limit, its value and the figure. */
export function describeOverrun(overrun: BudgetOverrun): string {
  const { limit, unit, max, used } = overrun;
  if (overrun.checkedAt === 'review') {
    return (
      `mining picked ${used} items for review, over ${limit} = ${max}: nothing was sent to reviewers ` +
      `(set mining.labelBudget to at most ${max} to send the highest-priority ones)`
    );
  }
  if (overrun.checkedAt === 'start') {
    return unit === 'cycles'
      ? `this would be cycle ${used} of the UTC day, over ${limit} = ${max}`
      : `the model's trainings used ${used} ${unit} today, at or over ${limit} = ${max}`;
  }
  const share = limit === 'budget.perModelPerDay.maxTrainingCpuSeconds' ? ` (what was left of the day)` : '';
  return `training stopped after ${used} ${unit}, over ${limit} = ${max}${share}; no model version was registered`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
