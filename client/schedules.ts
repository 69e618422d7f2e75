import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { parseDurationText } from '../core/time/duration.ts';
import { scheduledCycle } from '../workflows/scheduled-cycle.ts';
import {
  cycleScheduleId,
  type ScheduledCycleInput,
  scheduledCycleWorkflowId,
} from '../workflows/scheduled-cycle-messages.ts';
import { MODEL } from '../workflows/search-attributes.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './client-errors.ts';
import { checkCycleConfig, checkModelName, type FlywheelClient } from './flywheel-client.ts';

/**
 * Periodic cycles through Temporal Schedules. A schedule cannot start a cycle itself: its actions
 * start workflows with a fixed id pattern, while a cycle's id carries the model's next number, which
 * only the typed client's numbering knows. So each firing starts a small `scheduledCycle` workflow
 * that starts the next cycle through that numbering (as the CLI and the monitor do) and ends; a firing
 * while any cycle of the model runs is a skipped turn, recorded in its result. Overlap SKIP keeps two
 * firings from racing each other.
 */

export interface CycleScheduleOptions {
  /** Fire every this long ("6h", "1d"), aligned to the epoch as Temporal intervals are. */
  every?: string;
  /** Or a cron expression ("0 3 * * *"), in UTC. */
  cron?: string;
  cycleConfig?: unknown;
  paused?: boolean;
  note?: string;
}

export interface CycleScheduleSummary {
  model: string;
  scheduleId: string;
  /** "every 1d" or "cron 0 3 * * *". */
  when: string;
  paused: boolean;
  note: string | null;
  nextRun: Date | null;
  lastRun: Date | null;
  /** Firings Temporal keeps in its recent list. */
  recentRuns: number;
}

/** Smallest interval accepted: a cycle takes longer than this anyway, and tests need seconds. */
const MIN_INTERVAL_MS = 1_000;

export async function createCycleSchedule(
  client: FlywheelClient,
  model: string,
  options: CycleScheduleOptions,
): Promise<{ scheduleId: string }> {
  checkModelName(model);
  checkCycleConfig(options.cycleConfig ?? {});
  const spec = scheduleSpec(options);
  const scheduleId = cycleScheduleId(model);
  const input: ScheduledCycleInput = { model, scheduleId, cycleConfig: options.cycleConfig ?? {} };
  try {
    await client.temporal.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: scheduledCycle,
        taskQueue: client.taskQueue,
        workflowId: scheduledCycleWorkflowId(model),
        args: [input],
        typedSearchAttributes: new TypedSearchAttributes([{ key: MODEL, value: model }]),
        staticSummary: `Scheduled turn of ${model}'s flywheel`,
      },
      policies: {
        overlap: ScheduleOverlapPolicy.SKIP,
        // A turn missed while Temporal was down is made up only if it is at most this late.
        catchupWindow: '10m',
      },
      state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
      memo: { model, when: describeSpec(options) },
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new ConflictError(
        `${model} already has a cycle schedule (${scheduleId}); delete it first with \`flywheel schedule delete ${model}\``,
      );
    }
    throw error;
  }
  return { scheduleId };
}

export async function listCycleSchedules(
  client: FlywheelClient,
  filter: { model?: string } = {},
): Promise<CycleScheduleSummary[]> {
  if (filter.model) checkModelName(filter.model);
  const prefix = cycleScheduleId('');
  const schedules: CycleScheduleSummary[] = [];
  for await (const schedule of client.temporal.schedule.list()) {
    if (!schedule.scheduleId.startsWith(prefix)) continue;
    const model =
      typeof schedule.memo?.model === 'string'
        ? schedule.memo.model
        : schedule.scheduleId.slice(prefix.length);
    if (filter.model && model !== filter.model) continue;
    const recent = schedule.info.recentActions;
    schedules.push({
      model,
      scheduleId: schedule.scheduleId,
      when: typeof schedule.memo?.when === 'string' ? schedule.memo.when : '?',
      paused: schedule.state.paused,
      note: schedule.state.note || null,
      nextRun: schedule.info.nextActionTimes[0] ?? null,
      lastRun: recent.at(-1)?.takenAt ?? null,
      recentRuns: recent.length,
    });
  }
  return schedules.sort((a, b) => a.model.localeCompare(b.model));
}

export async function deleteCycleSchedule(client: FlywheelClient, model: string): Promise<string> {
  checkModelName(model);
  const scheduleId = cycleScheduleId(model);
  try {
    await client.temporal.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new NotFoundError(`${model} has no cycle schedule`);
    }
    throw error;
  }
  return scheduleId;
}

/** When the schedule fires, checked before anything is sent (the CLI calls it before connecting). */
export function scheduleSpec(options: CycleScheduleOptions) {
  if ((options.every === undefined) === (options.cron === undefined)) {
    throw new InvalidRequestError('say when: either --every <duration> or --cron <expression>');
  }
  if (options.every !== undefined) {
    const every = parseDurationText(options.every);
    if (every === null || every < MIN_INTERVAL_MS) {
      throw new InvalidRequestError(
        `--every ${JSON.stringify(options.every)}: a duration of at least 1s, e.g. "6h", "1d"`,
      );
    }
    return { intervals: [{ every }] };
  }
  const cron = options.cron!.trim();
  if (cron.split(/\s+/).length !== 5) {
    throw new InvalidRequestError(
      `--cron ${JSON.stringify(cron)}: five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"`,
    );
  }
  return { cronExpressions: [cron] };
}

function describeSpec(options: CycleScheduleOptions): string {
  return options.every !== undefined ? `every ${options.every}` : `cron ${options.cron}`;
}
