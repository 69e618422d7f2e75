import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  type BudgetOverrun,
  TRAINING_COST_AUDIT,
  TRAINING_OVER_BUDGET,
  type TrainingUse,
  trainingOverrun,
} from '../../core/cycle/training-budget.ts';
import { roundCpu, startCpuMeter } from '../cpu-meter.ts';
import type { TrainInput, TrainResult } from '../cycle/contracts.ts';
import type { ActivityDeps } from '../deps.ts';
import { trainModelVersion } from './train-model-version.ts';

/** How often a training attempt stores a checkpoint; a crash loses at most this much work. */
export const CHECKPOINT_EVERY_MS = 2_000;

/** How often a training with a budget looks at its clock and CPU time between progress reports. */
const BUDGET_CHECK_EVERY_MS = 100;

/** What a training attempt heartbeats: enough for the next attempt to resume where this one was. */
export interface TrainingHeartbeat {
  /** Epochs completed in the checkpoint named by checkpointSha256. */
  epoch: number;
  epochs: number;
  loss: number | null;
  checkpointSha256: string;
  /** What earlier attempts used up to that checkpoint, so a retry does not start the budget afresh. */
  spent?: TrainingUse;
}

/**
 * The training activity (its own task queue). Checkpoints are stored as artifacts at most every
 * CHECKPOINT_EVERY_MS and their address heartbeated with the progress; a retry after a worker crash
 * resumes from the last one and ends with the same weights, and the same request always names the same
 * version. Cancellation reaches the trainer through the activity's signal. With budget limits the attempt
 * watches its wall and CPU time and, over one, stops the trainer and fails as TrainingOverBudget before
 * anything is registered. Every attempt leaves its cost in the audit trail (the per-day limit counts it).
 */
export function trainCandidateActivity(deps: ActivityDeps) {
  return async function trainCandidate(input: TrainInput): Promise<TrainResult> {
    const context = Context.current();
    const previous = context.info.heartbeatDetails as TrainingHeartbeat | undefined;
    // Tell the server at once that this attempt is alive (keeping the last checkpoint's address), so
    // loading data before the first epoch does not count as silence.
    context.heartbeat(previous);
    let beat: TrainingHeartbeat = previous ?? { epoch: 0, epochs: 0, loss: null, checkpointSha256: '' };
    const resumeFrom = previous?.checkpointSha256
      ? await deps.artifacts.get(previous.checkpointSha256)
      : null;
    if (resumeFrom) {
      deps.logger.info(
        { datasetId: input.datasetId, epoch: previous?.epoch },
        'resuming training from checkpoint',
      );
    }

    const cpu = startCpuMeter();
    const startedAt = Date.now();
    const carried: TrainingUse = (resumeFrom && previous?.spent) || { wallSeconds: 0, cpuSeconds: 0 };
    // An external trainer's programs report their own CPU time; the worker thread's is measured here.
    let trainerProcessCpu = 0;
    const thisAttempt = (): TrainingUse => ({
      wallSeconds: (Date.now() - startedAt) / 1000,
      cpuSeconds: cpu() + trainerProcessCpu,
    });
    const used = (): TrainingUse => {
      const attempt = thisAttempt();
      return {
        wallSeconds: carried.wallSeconds + attempt.wallSeconds,
        cpuSeconds: carried.cpuSeconds + attempt.cpuSeconds,
      };
    };
    const limits = input.limits ?? [];
    const stop = new AbortController();
    let overrun: BudgetOverrun | null = null;
    const checkBudget = () => {
      if (overrun || limits.length === 0) return;
      overrun = trainingOverrun(limits, used());
      if (overrun) stop.abort(new Error(`over budget: ${overrun.limit}`));
    };
    const watch = limits.length > 0 ? setInterval(checkBudget, BUDGET_CHECK_EVERY_MS) : null;
    let result: TrainResult | null = null;
    try {
      const trained = await trainModelVersion(
        deps,
        { model: input.model, datasetId: input.datasetId, params: input.params, trainer: input.trainer },
        {
          resumeFrom,
          signal: AbortSignal.any([context.cancellationSignal, stop.signal]),
          checkpointEveryMs: CHECKPOINT_EVERY_MS,
          onCheckpoint: async (checkpoint, at) => {
            beat = {
              ...beat,
              epoch: at.epoch,
              checkpointSha256: await deps.artifacts.put(checkpoint),
              spent: used(),
            };
            context.heartbeat(beat);
          },
          onProgress: (progress) => {
            beat = { ...beat, epochs: progress.epochs, loss: progress.loss };
            context.heartbeat(beat);
            checkBudget();
          },
          onCpuSeconds: (seconds) => {
            trainerProcessCpu = seconds;
            checkBudget();
          },
          beforeRegister: () => {
            checkBudget();
            if (overrun) throw stop.signal.reason;
          },
        },
      );
      result = { ...trained, cpuSeconds: roundCpu(used().cpuSeconds) };
      return result;
    } catch (error) {
      const over = overrun as BudgetOverrun | null;
      if (!over) throw error;
      throw ApplicationFailure.create({
        type: TRAINING_OVER_BUDGET,
        nonRetryable: true,
        message: `training went over ${over.limit} (${over.used} ${over.unit} > ${over.max})`,
        details: [{ ...over, cpuSeconds: roundCpu(used().cpuSeconds) }],
      });
    } finally {
      if (watch) clearInterval(watch);
      const attempt = thisAttempt();
      await deps.store.audit.append({
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId ?? null,
        kind: TRAINING_COST_AUDIT,
        actor: 'trainer',
        details: {
          datasetId: input.datasetId,
          variant: input.variant,
          attempt: context.info.attempt,
          cpuSeconds: roundCpu(attempt.cpuSeconds),
          wallSeconds: roundCpu(attempt.wallSeconds),
          versionId: result?.versionId ?? null,
          overBudget: (overrun as BudgetOverrun | null)?.limit ?? null,
        },
      });
    }
  };
}
