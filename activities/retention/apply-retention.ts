import { Context } from '@temporalio/activity';
import { RetentionPolicy, retentionCutoff } from '../../core/capture/retention-policy.ts';
import { invalidInput } from '../activity-errors.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { ApplyRetentionInput, ApplyRetentionResult, RetentionProgress } from './contracts.ts';

/** Predictions examined per transaction: small enough that a delete never holds the store for long. */
export const DEFAULT_RETENTION_BATCH = 5_000;

const NOTHING_YET: RetentionProgress = { cursor: null, predictions: 0, feedback: 0, kept: 0, batches: 0 };

/**
 * Deletes a model's predictions (and their feedback) created before `at − keepDays`, batch by batch,
 * except those a dataset item or review item references, then appends one audit event with the counts
 * and the cut-off (never the data). The progress is heartbeated after each batch: a retried attempt
 * resumes from the last cursor with the counts so far, and whatever it re-examines is either gone or
 * kept, so deleting again deletes nothing more. The audit event carries the activity's idempotency key.
 */
export function applyRetentionActivity({ store, logger }: ActivityDeps) {
  return async function applyRetention(input: ApplyRetentionInput): Promise<ApplyRetentionResult> {
    const policy = RetentionPolicy.safeParse({ keepDays: input.keepDays });
    if (!policy.success) throw invalidInput(policy.error.issues.map((issue) => issue.message).join('; '));
    const batch = input.batch ?? DEFAULT_RETENTION_BATCH;
    if (!Number.isInteger(batch) || batch < 1) throw invalidInput('batch must be a whole number ≥ 1');
    const cutoff = retentionCutoff(policy.data, input.at);
    const context = currentContext();
    let progress = (context?.info.heartbeatDetails as RetentionProgress | undefined) ?? NOTHING_YET;
    if (progress.batches > 0) logger.info({ model: input.model, ...progress }, 'resuming retention pass');
    for (;;) {
      context?.cancellationSignal.throwIfAborted();
      const done = await store.retention.deleteOlderThan(input.model, cutoff, {
        batch,
        after: progress.cursor,
      });
      progress = {
        cursor: done.cursor,
        predictions: progress.predictions + done.predictions,
        feedback: progress.feedback + done.feedback,
        kept: progress.kept + done.kept,
        batches: progress.batches + 1,
      };
      context?.heartbeat(progress);
      if (!done.more) break;
    }
    const { appended } = await store.audit.append(
      {
        at: input.at,
        model: input.model,
        cycleId: null,
        kind: 'retention-applied',
        actor: input.actor,
        details: {
          keepDays: policy.data.keepDays,
          cutoff,
          predictions: progress.predictions,
          feedback: progress.feedback,
          kept: progress.kept,
          batches: progress.batches,
        },
      },
      activityAuditKey(),
    );
    return { ...progress, cutoff, audited: appended };
  };
}

/** The running activity's context, or undefined when called outside an activity (a CLI command). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
