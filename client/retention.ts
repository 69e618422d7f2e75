import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { checkRetentionPolicy } from '../core/capture/retention-policy.ts';
import { parseCycleConfig } from '../core/cycle/cycle-config.ts';
import { parseDurationText } from '../core/time/duration.ts';
import { retention } from '../workflows/retention.ts';
import {
  type RetentionInput,
  type RetentionResult,
  retentionScheduleId,
  retentionWorkflowId,
} from '../workflows/retention-messages.ts';
import { cycleScheduleId, type ScheduledCycleInput } from '../workflows/scheduled-cycle-messages.ts';
import { MODEL } from '../workflows/search-attributes.ts';
import { InvalidRequestError, NotFoundError } from './client-errors.ts';
import { checkModelName, type FlywheelClient } from './flywheel-client.ts';

export interface RetentionSetting {
  keepDays: number;
  /**
   * The cycle config the model runs with: retention may not be shorter than what its cycles read. When
   * absent, the config of the model's cycle schedule, or the defaults when it has none.
   */
  cycleConfig?: unknown;
}

/** The cycle config the model's cycle schedule starts its cycles with; the defaults ({}) without one. */
export async function scheduledCycleConfig(client: FlywheelClient, model: string): Promise<unknown> {
  try {
    const schedule = await client.temporal.schedule.getHandle(cycleScheduleId(model)).describe();
    if (schedule.action.type !== 'startWorkflow') return {};
    const input = schedule.action.args?.[0] as ScheduledCycleInput | undefined;
    return input?.cycleConfig ?? {};
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return {};
    throw error;
  }
}

async function checkedSetting(client: FlywheelClient, model: string, setting: RetentionSetting) {
  const cycleConfig = setting.cycleConfig ?? (await scheduledCycleConfig(client, model));
  return checkRetentionSetting({ keepDays: setting.keepDays, cycleConfig });
}

/**
 * Checks a retention setting against the model's cycle config; refuses with the reason (the CLI calls it
 * before connecting).
 */
export function checkRetentionSetting(setting: RetentionSetting): { keepDays: number } {
  const parsed = parseCycleConfig(setting.cycleConfig ?? {});
  if (!parsed.ok) throw new InvalidRequestError(`invalid cycle config: ${parsed.errors.join('; ')}`);
  const check = checkRetentionPolicy({ keepDays: setting.keepDays }, parsed.config);
  if (!check.ok) throw new InvalidRequestError(`retention refused: ${check.reason}`);
  return check.policy;
}

/**
 * Sets a model's retention: a Temporal Schedule that starts a `retention` pass every `every` (default
 * daily). Setting it again replaces the previous setting.
 */
export async function setRetention(
  client: FlywheelClient,
  model: string,
  setting: RetentionSetting & { every?: string },
): Promise<{ scheduleId: string; replaced: boolean }> {
  checkModelName(model);
  const policy = await checkedSetting(client, model, setting);
  const every = parseDurationText(setting.every ?? '1d');
  if (every === null || every < 1_000) {
    throw new InvalidRequestError(
      `--every ${JSON.stringify(setting.every)}: a duration of at least 1s, e.g. "1d"`,
    );
  }
  const scheduleId = retentionScheduleId(model);
  const input: RetentionInput = { model, keepDays: policy.keepDays, actor: 'schedule' };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: retention,
    taskQueue: client.taskQueue,
    workflowId: retentionWorkflowId(model),
    args: [input] as [RetentionInput],
    typedSearchAttributes: new TypedSearchAttributes([{ key: MODEL, value: model }]),
    staticSummary: `Retention pass of ${model}: keep ${policy.keepDays} days`,
  };
  try {
    await client.temporal.schedule.create({
      scheduleId,
      spec: { intervals: [{ every }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      memo: { model, keepDays: policy.keepDays },
    });
    return { scheduleId, replaced: false };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.temporal.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec: { intervals: [{ every }] },
    action,
  }));
  return { scheduleId, replaced: true };
}

/** Runs one retention pass now and waits for its counts. */
export async function runRetention(
  client: FlywheelClient,
  model: string,
  setting: RetentionSetting,
): Promise<RetentionResult> {
  checkModelName(model);
  const policy = await checkedSetting(client, model, setting);
  const input: RetentionInput = { model, keepDays: policy.keepDays, actor: 'cli' };
  return client.temporal.workflow.execute(retention, {
    taskQueue: client.taskQueue,
    workflowId: `${retentionWorkflowId(model)}-run-${Date.now()}`,
    args: [input],
    typedSearchAttributes: new TypedSearchAttributes([{ key: MODEL, value: model }]),
  });
}

export async function deleteRetention(client: FlywheelClient, model: string): Promise<string> {
  checkModelName(model);
  const scheduleId = retentionScheduleId(model);
  try {
    await client.temporal.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new NotFoundError(`${model} has no retention set`);
    throw error;
  }
  return scheduleId;
}
