import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CycleActivities, TrainingActivities, TrainResult } from '../activities/cycle/contracts.ts';
import { type CycleConfig, parseCycleConfig } from '../core/cycle/cycle-config.ts';
import type { CycleOutcome } from '../core/cycle/cycle-record.ts';
import {
  type BudgetOverrun,
  type DailySpend,
  dailyOverrun,
  describeOverrun,
  hasDailyLimit,
  reviewOverrun,
  TRAINING_OVER_BUDGET,
  trainingLimits,
  utcDayStart,
} from '../core/cycle/training-budget.ts';
import {
  type CycleCost,
  type CycleInput,
  type CycleResult,
  type CycleStage,
  type CycleStatus,
  cycleStatusQuery,
  cycleWorkflowId,
} from './cycle-messages.ts';
import { rootMessage } from './failure-cause.ts';
import { review } from './review.ts';
import { type ReviewInput, reviewWorkflowId } from './review-messages.ts';
import { rollout } from './rollout.ts';
import { type RolloutInput, type RolloutResult, rolloutWorkflowId } from './rollout-messages.ts';
import {
  CPU_SECONDS,
  CYCLE_NUMBER,
  MODEL,
  OUTCOME,
  REVIEWER_DECISIONS,
  STAGE,
  TRIGGER,
} from './search-attributes.ts';

/**
 * One turn of the flywheel for one model: collect → (review) → dataset → train → evaluate.
 * The workflow holds the order, the waiting and the decisions; activities do the I/O and pass ids.
 */
export async function cycle(input: CycleInput): Promise<CycleResult> {
  const parsed = parseCycleConfig(input.config ?? {});
  if (!parsed.ok) {
    throw ApplicationFailure.nonRetryable(
      `invalid cycle config: ${parsed.errors.join('; ')}`,
      'InvalidCycleConfig',
    );
  }
  const config = parsed.config;
  // Budgets and the cost search attributes came later: histories from before take the old path.
  const budgeted = patched('training-budget');
  const startedAt = Date.now();
  const status: CycleStatus = {
    cycleId: workflowInfo().workflowId,
    model: input.model,
    number: input.number,
    trigger: input.trigger,
    stage: 'starting',
    outcome: 'running',
    reasons: [],
    championVersion: null,
    candidateVersion: null,
    datasetId: null,
    batchId: null,
    reportId: null,
    from: null,
    to: null,
    mined: null,
    labels: null,
    training: null,
    evaluation: null,
    review: null,
    rollout: null,
    cost: {
      cpuSeconds: { collecting: 0, dataset: 0, training: 0, evaluation: 0, total: 0 },
      reviewerDecisions: 0,
    },
    overBudget: null,
    secondsByStage: {},
    startedAt,
    endedAt: null,
  };
  setHandler(cycleStatusQuery, () => status);
  upsertSearchAttributes([
    { key: MODEL, value: input.model },
    { key: CYCLE_NUMBER, value: input.number },
    { key: TRIGGER, value: input.trigger },
    { key: OUTCOME, value: 'running' },
  ]);

  const activities = cycleActivities(config);
  const training = trainingActivities(config);
  let stageStartedAt = startedAt;
  const enter = (stage: CycleStage, details: string) => {
    const now = Date.now();
    status.secondsByStage[status.stage] =
      (status.secondsByStage[status.stage] ?? 0) + (now - stageStartedAt) / 1000;
    stageStartedAt = now;
    status.stage = stage;
    upsertSearchAttributes([{ key: STAGE, value: stage }]);
    setCurrentDetails(`**${input.model}** cycle ${input.number}: ${details}`);
  };
  const spend = (stage: Exclude<keyof CycleCost['cpuSeconds'], 'total'>, cpuSeconds: number | undefined) => {
    const cpu = status.cost.cpuSeconds;
    cpu[stage] = round3(cpu[stage] + (cpuSeconds ?? 0));
    cpu.total = round3(cpu.collecting + cpu.dataset + cpu.training + cpu.evaluation);
  };
  const finish = async (outcome: CycleOutcome, reasons: string[]): Promise<CycleResult> => {
    enter('finished', `${outcome}${reasons.length ? ` — ${reasons.join('; ')}` : ''}`);
    status.outcome = outcome;
    status.reasons = reasons;
    status.endedAt = Date.now();
    upsertSearchAttributes([{ key: OUTCOME, value: outcome }]);
    if (budgeted) {
      upsertSearchAttributes([
        { key: CPU_SECONDS, value: status.cost.cpuSeconds.total },
        { key: REVIEWER_DECISIONS, value: status.cost.reviewerDecisions },
      ]);
    }
    // Recording the end must happen even when the cycle was cancelled.
    await CancellationScope.nonCancellable(() =>
      activities.finishCycle({
        cycleId: status.cycleId,
        model: input.model,
        outcome,
        // A cycle that learnt nothing from its window for want of reviewers leaves it to the next cycle.
        to:
          outcome === 'failed' ||
          outcome === 'cancelled' ||
          outcome === 'review-timeout' ||
          outcome === 'over-budget'
            ? null
            : status.to,
        endedAt: status.endedAt ?? Date.now(),
        summary: { ...status },
      }),
    );
    return status;
  };
  const overBudget = (overrun: BudgetOverrun): Promise<CycleResult> => {
    status.overBudget = overrun;
    return finish('over-budget', [describeOverrun(overrun)]);
  };

  try {
    enter('starting', 'finding the champion and where the last cycle stopped');
    const begun = await activities.beginCycle({
      cycleId: status.cycleId,
      model: input.model,
      number: input.number,
      workflowId: status.cycleId,
      trigger: input.trigger,
      startedAt,
    });
    status.championVersion = begun.championVersion;
    status.from = begun.from;
    // The day's spending is read from the store, so that it holds whatever started the cycles.
    let spentToday: DailySpend | null = null;
    if (budgeted && hasDailyLimit(config.budget)) {
      spentToday = await activities.dailySpend({
        model: input.model,
        cycleId: status.cycleId,
        since: utcDayStart(startedAt),
      });
      const overrun = dailyOverrun(config.budget, spentToday);
      if (overrun) return await overBudget(overrun);
    }

    enter('collecting', 'mining edge cases from captured traffic and feedback');
    const collected = await activities.collectEdgeCases({
      cycleId: status.cycleId,
      model: input.model,
      number: input.number,
      from: begun.from,
      parentDatasetId: begun.parentDatasetId,
      labels: begun.labels,
      mining: config.mining,
      autoLabel: config.autoLabel,
    });
    status.batchId = collected.batchId;
    status.to = collected.to;
    status.mined = {
      scanned: collected.scanned,
      autoLabelled: collected.autoLabelled,
      needsReview: collected.needsReview,
      byReason: collected.minedByReason,
      droppedByCause: collected.droppedByCause,
    };
    spend('collecting', collected.cpuSeconds);
    const reviewOver = budgeted ? reviewOverrun(config.budget, collected.needsReview) : null;
    if (reviewOver) return await overBudget(reviewOver);
    // Items that need a human wait for reviewers in a child workflow (its own id, history and messages).
    let humanLabels = 0;
    if (collected.needsReview > 0 && patched('review-child')) {
      const openedAt = Date.now();
      const reviewInput: ReviewInput = {
        cycleId: status.cycleId,
        model: input.model,
        number: input.number,
        labels: begun.labels,
        autoLabelled: collected.autoLabelled,
        review: config.review,
        activities: config.activities,
        remindAt: openedAt + config.review.reminderAfter,
        deadlineAt: openedAt + config.review.deadline,
      };
      // From the model and number the cycle's own id is made of, so a replay under another id takes the same path.
      const reviewId = reviewWorkflowId(cycleWorkflowId(input.model, input.number));
      enter(
        'waiting-for-review',
        `waiting for review: ${collected.needsReview} items, deadline ${new Date(reviewInput.deadlineAt).toISOString()} (${reviewId})`,
      );
      const reviewed = await executeChild(review, {
        workflowId: reviewId,
        args: [reviewInput],
        typedSearchAttributes: [
          { key: MODEL, value: input.model },
          { key: CYCLE_NUMBER, value: input.number },
        ],
        staticSummary: `Flywheel review of cycle ${input.number} of ${input.model}`,
      });
      status.review = {
        workflowId: reviewId,
        closedBy: reviewed.closedBy,
        counts: reviewed.counts,
        agreementRate: reviewed.agreement.rate,
        decisions: reviewed.decisions,
      };
      humanLabels = reviewed.counts.humanLabels;
      status.cost.reviewerDecisions = reviewed.decisions.accepted;
      if (!reviewed.proceeds) return await finish('review-timeout', [reviewed.reason ?? 'review timed out']);
    }
    const newLabels = collected.autoLabelled + humanLabels;
    if (newLabels === 0) {
      return await finish('nothing-to-learn', [
        `no labelled edge cases among ${collected.scanned} captured predictions`,
      ]);
    }

    enter('building-dataset', `versioning ${newLabels} new labels onto the champion's dataset`);
    const dataset = await activities.buildDataset({
      cycleId: status.cycleId,
      model: input.model,
      number: input.number,
      batchId: collected.batchId,
      parentDatasetId: begun.parentDatasetId,
      dataset: config.dataset,
    });
    status.datasetId = dataset.datasetId;
    status.labels = dataset.bySource;
    spend('dataset', dataset.cpuSeconds);

    const sweep = config.training.variants.length > 0 ? config.training.variants : [{}];
    // Labels gathered by cycles weigh freshLabelWeight times in training; histories from before weigh them once.
    const weighting = patched('fresh-label-weight')
      ? { freshLabelWeight: config.training.freshLabelWeight }
      : {};
    enter('training', `training ${sweep.length} candidate(s) on dataset ${short(dataset.datasetId)}`);
    const limits = budgeted ? trainingLimits(config.budget, spentToday, sweep.length) : [];
    // A candidate stopped by its budget ends the cycle; the others of a sweep are cancelled with this scope.
    const trainingScope = new CancellationScope();
    let trained: TrainResult[];
    try {
      trained = await trainingScope.run(() =>
        Promise.all(
          sweep.map((variant, index) =>
            training.trainCandidate({
              model: input.model,
              datasetId: dataset.datasetId,
              params: { ...weighting, ...config.training.params, ...variant },
              variant: index,
              trainer: config.training.trainer,
              cycleId: status.cycleId,
              ...(limits.length > 0 ? { limits } : {}),
            }),
          ),
        ),
      );
    } catch (error) {
      const overrun = budgeted ? trainingOverrunOf(error) : null;
      if (!overrun) throw error;
      trainingScope.cancel();
      spend('training', overrun.cpuSeconds);
      const { cpuSeconds: _, ...figures } = overrun;
      return await overBudget(figures);
    }
    for (const candidate of trained) spend('training', candidate.cpuSeconds);
    const best = bestOf(trained);
    status.candidateVersion = best.versionId;
    status.training = {
      holdoutAccuracy: best.holdoutAccuracy,
      reused: best.reused,
      resumedFromEpoch: best.resumedFromEpoch,
    };

    enter(
      'evaluating',
      `gating candidate ${short(best.versionId)} against champion ${short(begun.championVersion)}`,
    );
    const report = await activities.evaluateCandidate({
      cycleId: status.cycleId,
      model: input.model,
      candidateVersion: best.versionId,
      championVersion: begun.championVersion,
      datasetId: dataset.datasetId,
      batchId: collected.batchId,
      gate: config.gate,
    });
    status.reportId = report.reportId;
    spend('evaluation', report.cpuSeconds);
    status.evaluation = { passed: report.passed, candidate: report.candidate, champion: report.champion };
    if (!report.passed) return await finish('rejected', report.reasons);
    if (!patched('rollout-child') || !config.rollout.startAfterBlessing) {
      return await finish('blessed', report.reasons);
    }

    // The rollout is a child so that it has its own id (on-call signals it by model), history and
    // controls. Closing the cycle in any way asks it to cancel, and its cancellation restores the champion.
    enter(
      'rolling-out',
      `rolling out candidate ${short(best.versionId)} in ${config.rollout.steps.length} steps`,
    );
    const rolloutInput: RolloutInput = {
      model: input.model,
      candidateVersion: best.versionId,
      trigger: `cycle ${input.number}`,
      config: input.config ?? {},
      cycleId: status.cycleId,
      cycleNumber: input.number,
    };
    let rolled: RolloutResult;
    try {
      rolled = await executeChild(rollout, {
        workflowId: rolloutWorkflowId(input.model),
        args: [rolloutInput],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Flywheel rollout of ${input.model} ${best.versionId} (cycle ${input.number})`,
      });
    } catch (error) {
      // One rollout per model: while another runs, the blessing stands and this rollout waits for a human.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return await finish('blessed', [
        ...report.reasons,
        `not rolled out: a rollout of ${input.model} is already running (${rolloutWorkflowId(input.model)}); ` +
          `start this one when it ends with \`flywheel rollout start ${input.model} ${best.versionId}\``,
      ]);
    }
    status.rollout = {
      workflowId: rolloutWorkflowId(input.model),
      outcome: rolled.outcome,
      reasons: rolled.reasons,
    };
    return await finish(rolled.outcome === 'promoted' ? 'promoted' : 'rolled-back', rolled.reasons);
  } catch (error) {
    if (isCancellation(error)) {
      await finish('cancelled', ['cancelled']);
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    log.error('cycle failed', { model: input.model, number: input.number, error: message });
    await finish('failed', [rootMessage(error)]);
    throw error;
  }
}

function cycleActivities(config: CycleConfig) {
  return proxyActivities<CycleActivities>({
    startToCloseTimeout: config.activities.default.startToClose,
    heartbeatTimeout: config.activities.default.heartbeat,
    retry: { ...config.activities.retry, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
  });
}

function trainingActivities(config: CycleConfig) {
  return proxyActivities<TrainingActivities>({
    taskQueue: config.training.taskQueue,
    startToCloseTimeout: config.activities.training.startToClose,
    heartbeatTimeout: config.activities.training.heartbeat,
    retry: { ...config.activities.retry, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
  });
}

/** The sweep's winner by holdout accuracy; ties go to the earlier variant so the choice is stable. */
function bestOf(trained: TrainResult[]): TrainResult {
  return trained.reduce((best, next) => (next.holdoutAccuracy > best.holdoutAccuracy ? next : best));
}

/** The figures of a training stopped by its budget (the details of its failure), or null for any other error. */
function trainingOverrunOf(error: unknown): (BudgetOverrun & { cpuSeconds?: number }) | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== TRAINING_OVER_BUDGET) return null;
  return (cause.details?.[0] as (BudgetOverrun & { cpuSeconds?: number }) | undefined) ?? null;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function short(id: string | null): string {
  return id ? id.slice(0, 12) : 'none';
}
