import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApplyRetentionResult, RetentionActivities } from '../activities/retention/contracts.ts';
import type { RetentionInput } from './retention-messages.ts';
import { MODEL } from './search-attributes.ts';

const { applyRetention } = proxyActivities<RetentionActivities>({
  // A pass over millions of rows takes minutes; the heartbeat, not this, notices a lost worker.
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput'] },
});

/**
 * One retention pass over a model's captured traffic, as its schedule (or `flywheel retention run`)
 * starts it: the cut-off is fixed here (workflow time) so every attempt of the activity deletes up to
 * the same instant; the activity resumes from its heartbeated cursor and audits the counts once.
 */
export async function retention(input: RetentionInput): Promise<ApplyRetentionResult> {
  upsertSearchAttributes([{ key: MODEL, value: input.model }]);
  const result = await applyRetention({
    model: input.model,
    keepDays: input.keepDays,
    at: Date.now(),
    actor: input.actor,
    ...(input.batch !== undefined ? { batch: input.batch } : {}),
  });
  setCurrentDetails(
    `deleted ${result.predictions} predictions and ${result.feedback} feedback of **${input.model}** older than ${input.keepDays} days; kept ${result.kept} a dataset or review references`,
  );
  return result;
}
