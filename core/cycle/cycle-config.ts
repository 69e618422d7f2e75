import { z } from 'zod';
import { FRESH_LABEL_WEIGHT_PARAM } from '../datasets/fresh-label-weight.ts';
import { EvaluationSet, MetricDirection } from '../gate/metric-direction.ts';
import { AutoLabelRule, FeedbackTrust, MINING_REASONS, MiningReason } from '../mining/mining-reason.ts';
import { TrainingParams } from '../model/params.ts';
import { ReviewerId } from '../review/review-decision.ts';
import { PERTURBATION_FAMILIES, PerturbationFamily } from '../robustness/perturbations.ts';
import { Duration } from '../time/duration.ts';
import { readableIssues } from '../validation/zod-issues.ts';
import { BudgetConfig } from './training-budget.ts';

/**
 * The one configuration of a flywheel cycle. Every field has a default, so `{}` is a working config;
 * objects are strict so that a misspelt field refuses the start instead of silently using a default.
 * Durations are milliseconds or strings such as "30m"; after parsing they are milliseconds.
 */

const Share = z.number().min(0).max(1);
const MetricName = z.string().min(1).max(64);

export const MiningConfig = z
  .strictObject({
    reasons: z
      .array(MiningReason)
      .min(1)
      .default([...MINING_REASONS])
      .describe('Which signals make a captured prediction a candidate; all by default.'),
    lowConfidenceThreshold: Share.default(0.7).describe(
      'Served predictions whose confidence is below this are mined as low-confidence. On a binary model 0.7 ' +
        'means the runner-up label scored more than 0.3: the model was close to answering the other way.',
    ),
    minTextLength: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe(
        'Texts shorter than this many characters (after trimming) are dropped as noise: too little to label or learn from.',
      ),
    nearDuplicateSimilarity: z
      .number()
      .gt(0)
      .max(1)
      .default(0.8)
      .describe(
        'Two texts whose word-shingle Jaccard similarity reaches this are near duplicates; only the higher-priority one ' +
          'is kept. Spam campaigns send one mail with small edits, and the label budget is better spent on variety.',
      ),
    shingleSize: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(3)
      .describe(
        'Words per shingle for near-duplicate detection; 3 tolerates small edits without matching unrelated texts.',
      ),
    maxPerClass: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(100)
      .describe(
        'At most this many mined items per (proposed) label, so one flooded class cannot take the whole batch; null for no cap.',
      ),
    maxPerClassByLabel: z
      .record(z.string(), z.number().int().min(0))
      .default({})
      .describe('Per-label overrides of maxPerClass, e.g. {"spam": 40}.'),
    labelBudget: z
      .number()
      .int()
      .min(0)
      .default(150)
      .describe(
        'At most this many items go to human review per cycle: what reviewers can label before the deadline. ' +
          'Auto-labelled items do not count against it.',
      ),
    maxHumanShare: Share.nullable()
      .default(null)
      .describe(
        "The review budget follows the batch: at most this share of the batch's labels go to humans, so " +
          'the items sent to review are at most auto-labelled × share / (1 − share), and at most labelBudget. ' +
          'The least certain, most varied items keep their slots. null: labelBudget alone decides.',
      ),
    driftedInputMinOovRate: Share.default(0.5).describe(
      'An input whose out-of-vocabulary word share (measured by the caller against the model vocabulary) reaches ' +
        'this is mined as drifted-input: the model has barely seen its words.',
    ),
    groupMetadataKey: z
      .string()
      .min(1)
      .default('group')
      .describe('Prediction metadata key that names the data group of an input, carried along for slices.'),
  })
  .prefault({});
export type MiningConfig = z.output<typeof MiningConfig>;

export const AutoLabelConfig = z
  .strictObject({
    rules: z
      .array(AutoLabelRule)
      .default(['user-label', 'binary-flip'])
      .describe(
        'Rules allowed to label without review. "user-label": a label a user sent for a binary model\'s prediction. ' +
          '"binary-flip": "incorrect" on a binary model means the other label. Empty sends everything to review.',
      ),
    trustFeedbackFrom: FeedbackTrust.default('prediction-user').describe(
      'Whose feedback the rules may act on. "prediction-user": only feedback sent with the user key of the user ' +
        'who got the answer (anyone holding a prediction id can send feedback); "anyone": all feedback. ' +
        'Feedback the rules may not trust goes to review.',
    ),
  })
  .prefault({});
export type AutoLabelConfig = z.output<typeof AutoLabelConfig>;

export const ReviewConfig = z
  .strictObject({
    reviewers: z
      .array(ReviewerId)
      .default([])
      .describe(
        'Identities allowed to review; empty accepts any identity (fine for a demo, set it in production).',
      ),
    quorum: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Agreeing decisions needed to settle an item. 1 trusts a single reviewer.'),
    onDisagreement: z
      .enum(['requeue', 'drop'])
      .default('requeue')
      .describe(
        'When reviewers of an item disagree: ask for more decisions (requeue) or leave it out (drop).',
      ),
    reminderAfter: Duration.prefault('4h').describe(
      'Reviewers are reminded when items are still pending after this.',
    ),
    deadline: Duration.prefault('24h').describe(
      'Review closes after this; the cycle proceeds with what is labelled if there is enough (see minLabelsAtDeadline).',
    ),
    minLabelsAtDeadline: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe(
        'At the deadline the cycle goes on only with at least this many labels (auto + human); otherwise it ends as review-timeout.',
      ),
    webhookUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .nullable()
      .default(null)
      .describe(
        'Where reminders and the deadline notice are posted (a Slack-compatible incoming webhook: JSON {"text": …}). ' +
          "null uses the worker's FLYWHEEL_REVIEW_WEBHOOK_URL; with neither they are only logged. The URL is kept " +
          'in workflow history: prefer the variable for secret URLs.',
      ),
    escalateTo: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .nullable()
      .default(null)
      .describe(
        'A second webhook (same JSON body), e.g. the channel of whoever can free reviewers or lower the bar: ' +
          'notified when, at the reminder, the labels so far (auto + human) are fewer than minLabelsAtDeadline, ' +
          'so the cycle would end as review-timeout if nothing changed. null: no escalation.',
      ),
  })
  .superRefine((review, ctx) => {
    if (review.reminderAfter >= review.deadline) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminderAfter'],
        message: 'must be shorter than review.deadline',
      });
    }
    if (review.reviewers.length > 0 && review.quorum > review.reviewers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['quorum'],
        message: `must be ≤ the number of allowed reviewers (${review.reviewers.length})`,
      });
    }
  })
  .prefault({});
export type ReviewConfig = z.output<typeof ReviewConfig>;

export const DatasetConfig = z
  .strictObject({
    holdoutShare: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.2)
      .describe(
        'Share of new items held out to measure, never trained on; split by content hash so it is stable.',
      ),
    goldenShare: Share.default(0.3).describe(
      "Share of this cycle's corrected mistakes put into the golden set (never trained on) so later models are " +
        'checked on the mistakes users reported.',
    ),
  })
  .prefault({});
export type DatasetConfig = z.output<typeof DatasetConfig>;

const FreshLabelWeight = z.number().int().min(1).max(50);
/** The built-in trainer's param that averages the weights of several runs (core/model/params.ts). */
const AVERAGED_RUNS_PARAM = 'averagedRuns';
/** Measured with bench/label-efficiency.ts --fresh-weights (README, "Benchmarks"). */
export const DEFAULT_FRESH_LABEL_WEIGHT = 2;

export const TrainingConfig = z
  .strictObject({
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Trainer parameters; the trainer validates them.'),
    variants: z
      .array(z.record(z.string(), z.unknown()))
      .default([])
      .describe(
        'Optional sweep: each entry is merged over params and trains one candidate; empty trains one.',
      ),
    freshLabelWeight: FreshLabelWeight.default(DEFAULT_FRESH_LABEL_WEIGHT).describe(
      'How many times each label cycles gathered from production traffic (corrected mistakes, reviewed edge ' +
        'cases) is repeated in the train split, against the seed corpus: importance weighting for drift. ' +
        'A variant or params may set it too (a sweep over it). 1 adds them once.',
    ),
    trainer: z
      .string()
      .min(1)
      .default('builtin')
      .describe(
        'Which trainer the worker uses: "builtin" (core/model, in process) or "external", the program the ' +
          'training worker was given in FLYWHEEL_EXTERNAL_TRAINER (your own Python/GPU training).',
      ),
    taskQueue: z
      .string()
      .min(1)
      .default('flywheel-training')
      .describe('Task queue of the training activity, so GPU hosts can serve it alone.'),
  })
  .superRefine((training, ctx) => {
    const check = (params: Record<string, unknown>, path: (string | number)[]) => {
      if (
        FRESH_LABEL_WEIGHT_PARAM in params &&
        !FreshLabelWeight.safeParse(params[FRESH_LABEL_WEIGHT_PARAM]).success
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, FRESH_LABEL_WEIGHT_PARAM],
          message: 'must be a whole number ≥ 1 (times each fresh label is repeated)',
        });
      }
      // The built-in trainer would refuse it only once training starts, after mining and review.
      if (
        training.trainer === 'builtin' &&
        AVERAGED_RUNS_PARAM in params &&
        !TrainingParams.shape.averagedRuns.safeParse(params[AVERAGED_RUNS_PARAM]).success
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, AVERAGED_RUNS_PARAM],
          message: 'must be a whole number from 1 to 16 (training runs whose weights are averaged)',
        });
      }
    };
    check(training.params, ['params']);
    training.variants.forEach((variant, index) => {
      check(variant, ['variants', index]);
    });
  })
  .prefault({});
export type TrainingConfig = z.output<typeof TrainingConfig>;

/**
 * Items the default golden-set rule lets the candidate lose: the golden set grows by a few corrected mistakes a
 * cycle (6–18 items after two demo cycles), where −0.02 alone rejected a candidate for one item
 * (bench/cycle-levers.ts, README "Gate").
 */
export const DEFAULT_GOLDEN_TOLERATED_ITEMS = 1;

export const ValueThreshold = z.strictObject({
  metric: MetricName.describe('Metric name as the evaluation reports it, e.g. "accuracy", "macroF1".'),
  on: EvaluationSet.default('holdout').describe('Which evaluation set the metric is read from.'),
  direction: MetricDirection.default('higher-is-better').describe('Which way is an improvement.'),
  threshold: z.number().describe('The candidate must reach this (≥ if higher is better, ≤ otherwise).'),
});
export type ValueThreshold = z.output<typeof ValueThreshold>;

export const ChangeThreshold = z.strictObject({
  metric: MetricName.describe('Metric name as the evaluation reports it.'),
  on: EvaluationSet.default('holdout').describe('Which evaluation set both models are read on.'),
  direction: MetricDirection.default('higher-is-better').describe('Which way is an improvement.'),
  kind: z
    .enum(['absolute', 'relative'])
    .default('absolute')
    .describe('absolute: candidate − champion; relative: (candidate − champion) / |champion|.'),
  minChange: z
    .number()
    .describe(
      'Smallest accepted change vs the champion, counted in the better direction; negative allows a regression of that size.',
    ),
  toleratedItems: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'A regression worth at most this many items of the set also passes (the accepted change becomes ' +
        'min(minChange, −items / set size)). On a set of 20, one item is 5 points: a count keeps a small set ' +
        'from rejecting on one item while the share still rules once the set is large.',
    ),
});
export type ChangeThreshold = z.output<typeof ChangeThreshold>;

export const RobustnessConfig = z
  .strictObject({
    families: z
      .array(PerturbationFamily)
      .default([...PERTURBATION_FAMILIES])
      .describe(
        'Perturbations of the holdout both models are measured on: "character-substitution" (fr3e, v1agra), ' +
          '"case-and-spacing", "markup-noise" (HTML), "good-words" (benign words appended), "truncation". ' +
          'Empty turns the robustness rule off.',
      ),
    maxDropBelowChampion: Share.default(0.05).describe(
      "On no perturbed holdout may the candidate's accuracy fall more than this below the champion's (absolute).",
    ),
    bounds: z
      .partialRecord(PerturbationFamily, Share)
      .default({})
      .describe('Per-family overrides of maxDropBelowChampion, e.g. {"truncation": 0.05}.'),
    seed: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Seeds the perturbations: the same holdout and seed give the same perturbed texts.'),
  })
  .prefault({});
export type RobustnessConfig = z.output<typeof RobustnessConfig>;

export const GateConfig = z
  .strictObject({
    valueThresholds: z
      .array(ValueThreshold)
      .default([{ metric: 'accuracy', on: 'holdout', direction: 'higher-is-better', threshold: 0.9 }])
      .describe('Levels the candidate must reach on its own, champion or not.'),
    changeThresholds: z
      .array(ChangeThreshold)
      .default([
        {
          metric: 'accuracy',
          on: 'holdout',
          direction: 'higher-is-better',
          kind: 'absolute',
          minChange: -0.01,
          toleratedItems: 0,
        },
        {
          metric: 'accuracy',
          on: 'golden',
          direction: 'higher-is-better',
          kind: 'absolute',
          minChange: -0.02,
          toleratedItems: DEFAULT_GOLDEN_TOLERATED_ITEMS,
        },
      ])
      .describe(
        'Comparisons with the champion on the same sets. Defaults tolerate one point of holdout noise and, on the ' +
          '(small) golden set, two points or one item, whichever is more: the fix-rate check is what demands progress.',
      ),
    slices: z
      .strictObject({
        metric: MetricName.default('accuracy').describe('Metric compared per slice.'),
        direction: MetricDirection.default('higher-is-better').describe(
          'Whether more of the slice metric is better.',
        ),
        maxRegression: z
          .number()
          .min(0)
          .default(0.05)
          .describe(
            'No slice (per label, per data group) may lose more than this vs the champion (absolute).',
          ),
        minSize: z
          .number()
          .int()
          .min(1)
          .default(30)
          .describe(
            'Slices with fewer items are reported but not judged: one item would swing them by several points.',
          ),
      })
      .prefault({}),
    minFixRate: Share.nullable()
      .default(0.5)
      .describe(
        "Share of this cycle's mined mistakes (items whose label differs from what the champion served) the " +
          'candidate must now get right; null disables.',
      ),
    minFixRateItems: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('The fix-rate is judged only with at least this many mined mistakes.'),
    robustness: RobustnessConfig,
  })
  .prefault({});
export type GateConfig = z.output<typeof GateConfig>;

/** One rollout step: "shadow" (candidate runs beside the champion, answers discarded) or a canary percent. */
export const RolloutStepSpec = z.union([z.literal('shadow'), z.number().int().min(1).max(100)]);
export type RolloutStepSpec = z.output<typeof RolloutStepSpec>;

/**
 * Bounds on how much worse the candidate may be than the champion in the same window. A metric fails
 * only when it breaches every bound that is set: a regression must be both material in absolute terms
 * and large relative to the champion, so that tiny rates (0.5% → 1% is "+100%") and noisy latencies do
 * not roll back good models. Null disables a bound.
 */
function changeBound(absolute: number | null, relative: number | null, unit: string) {
  return z
    .strictObject({
      maxAbsoluteIncrease: z
        .number()
        .min(0)
        .nullable()
        .default(absolute)
        .describe(`Largest accepted candidate − champion, in ${unit}.`),
      maxRelativeIncrease: z
        .number()
        .min(0)
        .nullable()
        .default(relative)
        .describe('Largest accepted (candidate − champion) / champion.'),
    })
    .prefault({});
}

export const RolloutConfig = z
  .strictObject({
    startAfterBlessing: z
      .boolean()
      .default(true)
      .describe(
        'Start the staged rollout as soon as the gate blesses a candidate (the cycle ends promoted or rolled-back). ' +
          'false: the cycle ends blessed and the rollout is started by hand (`flywheel rollout start`).',
      ),
    steps: z
      .array(RolloutStepSpec)
      .min(1)
      .default(['shadow', 5, 25, 50, 100])
      .describe(
        'Steps in order: "shadow" first if at all, then canary percents rising. Promotion follows the last step.',
      ),
    soak: Duration.prefault('30m').describe('How long each step runs before its analysis.'),
    minSamples: z
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        'Predictions each arm needs in a step window; with fewer the verdict is inconclusive, never a pass.',
      ),
    minFeedbackSamples: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('Feedback each arm needs before its feedback error rate is compared.'),
    requireFeedback: z
      .boolean()
      .default(false)
      .describe(
        'When true, too little feedback makes a canary step inconclusive; when false the comparison is skipped with a note (feedback is often sparse).',
      ),
    bounds: z
      .strictObject({
        feedbackErrorRate: changeBound(0.02, 0.25, 'rate points'),
        latencyP50Ms: changeBound(10, 0.25, 'ms'),
        latencyP99Ms: changeBound(50, 0.5, 'ms'),
        maxShadowDisagreement: Share.default(0.15).describe(
          'Largest accepted share of shadow predictions whose label differs from the served one. A candidate ' +
            'trained on fixed mistakes should disagree roughly where the champion erred, not much more.',
        ),
      })
      .prefault({}),
    onInconclusive: z
      .enum(['extend', 'pause'])
      .default('extend')
      .describe(
        'extend: soak the step again (up to maxExtensions, then pause); pause: wait for a human at once.',
      ),
    maxExtensions: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe('How many times one step may be extended before the rollout pauses for a human.'),
  })
  .superRefine((rollout, ctx) => {
    let previous = 0;
    rollout.steps.forEach((step, index) => {
      if (step === 'shadow') {
        if (index !== 0)
          ctx.addIssue({ code: 'custom', path: ['steps', index], message: 'shadow must be the first step' });
        return;
      }
      if (step <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index],
          message: `canary percents must rise (${step} after ${previous})`,
        });
      }
      previous = step;
    });
  })
  .prefault({});
export type RolloutConfig = z.output<typeof RolloutConfig>;

const ActivityTimeouts = (startToClose: string, heartbeat: string) =>
  z
    .strictObject({
      startToClose: Duration.prefault(startToClose).describe('Longest a single attempt may run.'),
      heartbeat: Duration.prefault(heartbeat).describe(
        'An attempt silent for longer is considered lost and retried.',
      ),
    })
    .prefault({});

export const ActivitiesConfig = z
  .strictObject({
    default: ActivityTimeouts('5m', '30s'),
    training: ActivityTimeouts('4h', '2m'),
    retry: z
      .strictObject({
        initialInterval: Duration.prefault('1s').describe('Wait before the first retry.'),
        backoffCoefficient: z.number().min(1).default(2).describe('Each retry waits this many times longer.'),
        maximumInterval: Duration.prefault('1m').describe('Longest wait between retries.'),
        maximumAttempts: z
          .number()
          .int()
          .min(1)
          .default(5)
          .describe(
            "Attempts before an activity failure reaches the workflow; activities are idempotent. A rollout's " +
              'promotion and its return to the champion are not bound by it: they retry until they land.',
          ),
      })
      .prefault({}),
  })
  .prefault({});
export type ActivitiesConfig = z.output<typeof ActivitiesConfig>;

export const CycleConfig = z.strictObject({
  mining: MiningConfig,
  autoLabel: AutoLabelConfig,
  review: ReviewConfig,
  dataset: DatasetConfig,
  training: TrainingConfig,
  gate: GateConfig,
  rollout: RolloutConfig,
  activities: ActivitiesConfig,
  budget: BudgetConfig,
});
export type CycleConfig = z.output<typeof CycleConfig>;
/** What a user may write: any subset, durations as strings. */
export type CycleConfigInput = z.input<typeof CycleConfig>;

export type CycleConfigParse = { ok: true; config: CycleConfig } | { ok: false; errors: string[] };

/** Validates a cycle config, filling defaults; on failure, one `"<field path>: <rule>"` line per problem. */
export function parseCycleConfig(input: unknown): CycleConfigParse {
  const result = CycleConfig.safeParse(input ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: readableIssues(result.error) };
}

/** The config with every default. */
export function defaultCycleConfig(): CycleConfig {
  return CycleConfig.parse({});
}
