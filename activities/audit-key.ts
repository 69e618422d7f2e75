import { asyncLocalStorage } from '@temporalio/activity';

/**
 * The idempotency key of the audit event the running activity appends: the same for every attempt of
 * this activity, different for any other activity. Activity ids count from 1 again in each run of a
 * workflow (continue-as-new starts a run), so the run id is part of it. `part` tells several events
 * of one activity apart. Undefined outside an activity (a CLI command appending its own event): the
 * event is then appended as is.
 */
export function activityAuditKey(part?: string): string | undefined {
  const context = asyncLocalStorage.getStore();
  if (context === undefined) return undefined;
  const { workflowExecution, activityId } = context.info;
  if (!workflowExecution) return undefined;
  const key = `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}`;
  return part === undefined ? key : `${key}/${part}`;
}
