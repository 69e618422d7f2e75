import type { Client } from '@temporalio/client';
import type proto from '@temporalio/proto';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type Timestamp = HistoryEvent['eventTime'];

/** Where the time of one workflow run went, by its history and its children's. */
export interface CycleTiming {
  /** WorkflowExecutionStarted → its closing event. */
  wallMs: number;
  /** Union of every activity attempt's ActivityTaskStarted → closing event, children included. */
  inActivitiesMs: number;
  /** wallMs − inActivitiesMs: what orchestration costs around the work. */
  overheadMs: number;
  activities: number;
  workflowTasks: number;
  /** Sum of ActivityTaskScheduled → ActivityTaskStarted: waiting in a task queue for a worker. */
  activityQueueMs: number;
  /** Sum of WorkflowTaskScheduled → WorkflowTaskCompleted: the workflow code deciding, round trips included. */
  workflowTaskMs: number;
  /** The part of workflowTaskMs before WorkflowTaskStarted: waiting for the worker to pick the task up. */
  workflowTaskQueueMs: number;
  childWorkflows: number;
  /** Activity time by activity type (attempts summed). */
  byActivity: Record<string, number>;
}

/** Reads the timing of a closed workflow run and, recursively, of the child workflows it started. */
export async function cycleTiming(client: Client, workflowId: string, runId?: string): Promise<CycleTiming> {
  const spans: Array<[number, number]> = [];
  const totals = {
    activities: 0,
    workflowTasks: 0,
    activityQueueMs: 0,
    workflowTaskMs: 0,
    workflowTaskQueueMs: 0,
    childWorkflows: 0,
    byActivity: {} as Record<string, number>,
  };
  /** Visits one run and its children; returns the run's start and close times. */
  async function visit(id: string, run: string | undefined): Promise<[number, number]> {
    const history = await client.workflow.getHandle(id, run).fetchHistory();
    const events = history.events ?? [];
    const at = (event: HistoryEvent) => toMs(event.eventTime);
    const byId = new Map(events.map((event) => [Number(event.eventId), event]));
    for (const event of events) {
      if (event.workflowTaskCompletedEventAttributes) {
        const scheduled = byId.get(Number(event.workflowTaskCompletedEventAttributes.scheduledEventId));
        const started = byId.get(Number(event.workflowTaskCompletedEventAttributes.startedEventId));
        totals.workflowTasks++;
        if (scheduled) totals.workflowTaskMs += at(event) - at(scheduled);
        if (scheduled && started) totals.workflowTaskQueueMs += at(started) - at(scheduled);
      }
      if (event.activityTaskStartedEventAttributes) {
        const scheduled = byId.get(Number(event.activityTaskStartedEventAttributes.scheduledEventId));
        if (scheduled) totals.activityQueueMs += at(event) - at(scheduled);
      }
      const closed =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes ??
        event.activityTaskCanceledEventAttributes;
      if (closed) {
        const started = byId.get(Number(closed.startedEventId));
        const scheduled = byId.get(Number(closed.scheduledEventId));
        if (started && Number(closed.startedEventId) > 0) {
          spans.push([at(started), at(event)]);
          totals.activities++;
          const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
          totals.byActivity[type] = (totals.byActivity[type] ?? 0) + at(event) - at(started);
        }
      }
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) {
        totals.childWorkflows++;
        await visit(child.workflowId, child.runId ?? undefined);
      }
    }
    const first = events[0];
    const last = events.at(-1);
    if (!first?.workflowExecutionStartedEventAttributes || !last) {
      throw new Error(`history of ${id} does not start a workflow`);
    }
    return [at(first), at(last)];
  }

  const [start, end] = await visit(workflowId, runId);
  const inActivitiesMs = unionLength(spans);
  return {
    wallMs: end - start,
    inActivitiesMs,
    overheadMs: end - start - inActivitiesMs,
    ...totals,
  };
}

function toMs(ts: Timestamp): number {
  if (!ts) throw new Error('history event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds?.toString() ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** Total length covered by possibly overlapping intervals. */
function unionLength(spans: Array<[number, number]>): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: [number, number] | null = null;
  for (const [from, to] of sorted) {
    if (current && from <= current[1]) current[1] = Math.max(current[1], to);
    else {
      if (current) total += current[1] - current[0];
      current = [from, to];
    }
  }
  if (current) total += current[1] - current[0];
  return total;
}
