import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { type MonitorPolicy, parseMonitorPolicy } from '../core/monitor/monitor-policy.ts';
import { monitor } from '../workflows/monitor.ts';
import {
  configureMonitorUpdate,
  type MonitorInput,
  type MonitorRequest,
  type MonitorStatus,
  type MonitorTrigger,
  monitorStatusQuery,
  monitorWorkflowId,
  pauseMonitorSignal,
  resumeMonitorSignal,
  triggerNowSignal,
} from '../workflows/monitor-messages.ts';
import { MODEL, STAGE } from '../workflows/search-attributes.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './client-errors.ts';
import { checkCycleConfig, checkModelName, type FlywheelClient } from './flywheel-client.ts';

/**
 * Starting and steering a model's monitor (workflows/monitor.ts) through the typed client. Every
 * mistake comes back as a domain error with one readable line, as in FlywheelClient.
 */

export interface StartMonitorOptions {
  /** Policy fields (any subset; defaults fill the rest). */
  policy?: Record<string, unknown>;
  /** Config of the cycles the monitor starts. */
  cycleConfig?: unknown;
  /** Checks per run before continue-as-new (tests make it small). */
  checksPerRun?: number;
}

export async function startMonitor(
  client: FlywheelClient,
  model: string,
  options: StartMonitorOptions = {},
): Promise<{ workflowId: string; policy: MonitorPolicy }> {
  checkModelName(model);
  const policy = checkMonitorPolicy(options.policy ?? {});
  checkCycleConfig(options.cycleConfig ?? {});
  const workflowId = monitorWorkflowId(model);
  const input: MonitorInput = {
    model,
    policy: options.policy ?? {},
    cycleConfig: options.cycleConfig ?? {},
    ...(options.checksPerRun ? { checksPerRun: options.checksPerRun } : {}),
  };
  try {
    await client.temporal.workflow.start(monitor, {
      taskQueue: client.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      // A stopped monitor can be started again (with a fresh reference window).
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: MODEL, value: model },
        { key: STAGE, value: 'watching' },
      ]),
      staticSummary: `Flywheel monitor of ${model}`,
      staticDetails:
        `Watches **${model}**'s champion traffic (label mix, confidence, text length, out-of-vocabulary rate), ` +
        'feedback error rate and edge-case backlog, and starts the next cycle when the policy says so.',
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ConflictError(
        `the monitor of ${model} is already running (${workflowId}); change its policy with \`flywheel monitor configure ${model}\``,
      );
    }
    throw error;
  }
  return { workflowId, policy };
}

export async function monitorStatus(client: FlywheelClient, model: string): Promise<MonitorStatus> {
  return (await runningMonitor(client, model)).query(monitorStatusQuery);
}

export async function stopMonitor(client: FlywheelClient, model: string): Promise<string> {
  const handle = await runningMonitor(client, model);
  await handle.cancel();
  return handle.workflowId;
}

export async function pauseMonitor(client: FlywheelClient, model: string, request: MonitorRequest = {}) {
  await (await runningMonitor(client, model)).signal(pauseMonitorSignal, request);
}

export async function resumeMonitor(client: FlywheelClient, model: string, request: MonitorRequest = {}) {
  await (await runningMonitor(client, model)).signal(resumeMonitorSignal, request);
}

/**
 * Asks the monitor to start a cycle now (skipping persistence and cooldown, never beside a running
 * cycle). With `waitMs`, waits that long for the monitor's answer; null when it has not answered yet.
 */
export async function triggerMonitor(
  client: FlywheelClient,
  model: string,
  request: MonitorRequest = {},
  options: { waitMs?: number } = {},
): Promise<MonitorTrigger | null> {
  const handle = await runningMonitor(client, model);
  const before = (await handle.query(monitorStatusQuery)).triggers;
  const known = new Set(before.map((t) => `${t.at}/${t.trigger}`));
  await handle.signal(triggerNowSignal, request);
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const status = await handle.query(monitorStatusQuery);
    const answer = status.triggers.find((t) => !known.has(`${t.at}/${t.trigger}`));
    if (answer) return answer;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Changes policy fields of a running monitor; returns the whole policy in force. */
export async function configureMonitor(
  client: FlywheelClient,
  model: string,
  changes: Record<string, unknown>,
): Promise<MonitorPolicy> {
  const handle = await runningMonitor(client, model);
  try {
    return await handle.executeUpdate(configureMonitorUpdate, { args: [changes] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      throw new InvalidRequestError(error.cause?.message ?? error.message);
    }
    throw error;
  }
}

/** Refuses a policy with the field and the rule, before anything starts. */
export function checkMonitorPolicy(policy: unknown): MonitorPolicy {
  const parsed = parseMonitorPolicy(policy);
  if (!parsed.ok) throw new InvalidRequestError(`invalid monitor policy: ${parsed.errors.join('; ')}`);
  return parsed.policy;
}

async function runningMonitor(client: FlywheelClient, model: string) {
  checkModelName(model);
  const handle = client.temporal.workflow.getHandle(monitorWorkflowId(model));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      throw new NotFoundError(
        `the monitor of ${model} is not running (${description.status.name.toLowerCase()} ${description.closeTime?.toISOString() ?? ''}); start it with \`flywheel monitor start ${model}\``,
      );
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new NotFoundError(`${model} has no monitor: start one with \`flywheel monitor start ${model}\``);
    }
    throw error;
  }
  return handle;
}
