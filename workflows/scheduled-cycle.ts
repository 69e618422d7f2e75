import {
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CycleStartResult, MonitorActivities } from '../activities/monitor/contracts.ts';
import type { ScheduledCycleInput } from './scheduled-cycle-messages.ts';
import { MODEL, TRIGGER } from './search-attributes.ts';

const { startNextCycle } = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput', 'NotFound'] },
});

/**
 * What a Temporal Schedule runs for a model: start its next cycle with the same numbering and the same
 * one-at-a-time rule as the CLI and the monitor, then end. A cycle already running is a skipped turn,
 * recorded in the result. It does not wait for the cycle: the cycle's id keeps a second one out, and a
 * schedule run that waited for hours would only hide that from the cycle's own history.
 */
export async function scheduledCycle(input: ScheduledCycleInput): Promise<CycleStartResult> {
  const trigger = `schedule: ${input.scheduleId}`;
  upsertSearchAttributes([
    { key: MODEL, value: input.model },
    { key: TRIGGER, value: trigger },
  ]);
  const result = await startNextCycle({
    model: input.model,
    trigger,
    reasons: [`the schedule ${input.scheduleId} fired`],
    config: input.cycleConfig ?? {},
    requestId: workflowInfo().workflowId,
  });
  setCurrentDetails(
    result.started
      ? `started cycle ${result.number} of **${input.model}** (${result.workflowId})`
      : `skipped: ${result.reason}`,
  );
  return result;
}
