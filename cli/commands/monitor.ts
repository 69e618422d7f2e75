import type { Command } from 'commander';
import { z } from 'zod';
import { checkCycleConfig, checkModelName } from '../../client/flywheel-client.ts';
import {
  checkMonitorPolicy,
  configureMonitor,
  monitorStatus,
  pauseMonitor,
  resumeMonitor,
  startMonitor,
  stopMonitor,
  triggerMonitor,
} from '../../client/monitors.ts';
import { MonitorPolicy } from '../../core/monitor/monitor-policy.ts';
import { formatDuration } from '../../core/time/duration.ts';
import type { MonitorStatus, MonitorTrigger } from '../../workflows/monitor-messages.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { printResult } from '../table.ts';
import { readConfig, withClient } from './cycle.ts';

/** Command-line flags for policy fields: [flag, field, description]. Values are checked by the policy schema. */
const POLICY_FLAGS = [
  ['--interval <duration>', 'checkEvery', 'how often to check, e.g. 15m (default 15m)'],
  ['--window <duration>', 'window', 'traffic compared with the reference, e.g. 6h (default 6h)'],
  ['--min-window-predictions <n>', 'minWindowPredictions', 'drift is not judged on fewer (default 200)'],
  ['--max-psi <psi>', 'maxPsi', 'a material shift (default 0.25)'],
  ['--significance <p>', 'significance', 'a significant shift: p below this (default 0.01)'],
  [
    '--max-oov-rate-increase <share>',
    'maxOovRateIncrease',
    'rise of the out-of-vocabulary rate (default 0.1)',
  ],
  [
    '--max-feedback-error-rate <share>',
    'maxFeedbackErrorRate',
    'share of rated predictions called wrong (default 0.15)',
  ],
  [
    '--max-feedback-error-rate-increase <share>',
    'maxFeedbackErrorRateIncrease',
    'rise of that share vs the reference (default 0.05)',
  ],
  ['--min-feedback <n>', 'minFeedback', 'rated predictions needed to judge the error rate (default 30)'],
  ['--backlog <n>', 'backlogThreshold', 'mined edge cases that start a cycle (default 150)'],
  ['--persistence <n>', 'persistence', 'consecutive checks a signal must fire (default 3)'],
  ['--cooldown <duration>', 'cooldown', 'no cycle this soon after one ended (default 12h)'],
] as const;

/** Fields whose flag value is read as a number: the policy schema's number fields (durations stay text). */
const NUMERIC_FIELDS = new Set(
  Object.entries(MonitorPolicy.shape)
    .filter(([, schema]) => schema instanceof z.ZodDefault && schema.unwrap() instanceof z.ZodNumber)
    .map(([field]) => field),
);

export function registerMonitorCommand(program: Command): void {
  const monitor = program
    .command('monitor')
    .description("watch a model's traffic and feedback, and start its next cycle when they say so");

  withPolicyFlags(
    monitor
      .command('start <model>')
      .description("start the model's monitor (one per model)")
      .option('--policy <file>', 'monitor policy as JSON (any subset; flags override it)')
      .option('--config <file>', 'config of the cycles it starts, as JSON (as for `flywheel cycle start`)')
      .option('--json', 'print JSON'),
  ).action(async (model: string, options: Record<string, string | boolean | undefined>) => {
    const policy = {
      ...(typeof options.policy === 'string' ? objectFrom(readConfig(options.policy), options.policy) : {}),
      ...policyFromFlags(options),
    };
    const cycleConfig = typeof options.config === 'string' ? readConfig(options.config) : {};
    checkModelName(model);
    checkMonitorPolicy(policy);
    checkCycleConfig(cycleConfig);
    await withClient(async (client) => {
      const started = await startMonitor(client, model, { policy, cycleConfig });
      printResult(
        started,
        Boolean(options.json),
        () => `started the monitor of ${model} (${started.workflowId}): ${describePolicy(started.policy)}`,
      );
    });
  });

  monitor
    .command('status <model>')
    .description('what the monitor sees: reference, last checks with their figures, triggers')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await monitorStatus(client, model);
        printResult(status, Boolean(options.json), () => renderMonitorStatus(status));
      });
    });

  monitor
    .command('stop <model>')
    .description('stop the monitor (a running cycle goes on)')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const workflowId = await stopMonitor(client, model);
        printResult(
          { model, workflowId, stopRequested: true },
          Boolean(options.json),
          () => `stop requested for ${workflowId}`,
        );
      });
    });

  monitor
    .command('pause <model>')
    .description('stop checking (and triggering) until resumed')
    .option('--reason <text>', 'why, for the record')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { reason?: string; json?: boolean }) => {
      await withClient(async (client) => {
        const by = actor();
        await pauseMonitor(client, model, { by, ...(options.reason ? { reason: options.reason } : {}) });
        printResult(
          { model, paused: true, by, reason: options.reason ?? null },
          Boolean(options.json),
          () => `paused the monitor of ${model}`,
        );
      });
    });

  monitor
    .command('resume <model>')
    .description('check again at once and carry on')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const by = actor();
        await resumeMonitor(client, model, { by });
        printResult(
          { model, paused: false, by },
          Boolean(options.json),
          () => `resumed the monitor of ${model}`,
        );
      });
    });

  monitor
    .command('trigger <model>')
    .description('start a cycle now whatever the signals (never beside a running one)')
    .option('--reason <text>', 'why, kept in the cycle memo')
    .option('--no-wait', 'do not wait for the monitor to answer')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { reason?: string; wait: boolean; json?: boolean }) => {
      await withClient(async (client) => {
        const answer = await triggerMonitor(
          client,
          model,
          { by: actor(), ...(options.reason ? { reason: options.reason } : {}) },
          { waitMs: options.wait ? 60_000 : 0 },
        );
        printResult(answer, Boolean(options.json), () =>
          answer ? renderTrigger(answer) : `asked the monitor of ${model} for a cycle`,
        );
        if (answer && !answer.result.started) throw new CliError(renderTrigger(answer), EXIT.conflict);
      });
    });

  withPolicyFlags(
    monitor
      .command('configure <model>')
      .description("change fields of a running monitor's policy (the others stay)")
      .option('--json', 'print JSON'),
  ).action(async (model: string, options: Record<string, string | boolean | undefined>) => {
    const changes = policyFromFlags(options);
    if (Object.keys(changes).length === 0) {
      throw new CliError('nothing to change: give at least one policy flag (see --help)', EXIT.usage);
    }
    await withClient(async (client) => {
      const policy = await configureMonitor(client, model, changes);
      printResult(policy, Boolean(options.json), () => `monitor of ${model}: ${describePolicy(policy)}`);
    });
  });
}

function withPolicyFlags(command: Command): Command {
  for (const [flag, , description] of POLICY_FLAGS) command.option(flag, description);
  return command;
}

/** The policy fields given as flags (commander names options after the flag, in camelCase). */
function policyFromFlags(options: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const policy: Record<string, unknown> = {};
  for (const [flag, field] of POLICY_FLAGS) {
    const key = flag
      .slice(2)
      .split(' ')[0]!
      .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const value = options[key];
    if (typeof value !== 'string') continue;
    policy[field] =
      NUMERIC_FIELDS.has(field) && value.trim() !== '' && !Number.isNaN(Number(value))
        ? Number(value)
        : value;
  }
  return policy;
}

function objectFrom(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(`policy file ${path} must hold a JSON object`, EXIT.usage);
  }
  return value as Record<string, unknown>;
}

function actor(): string {
  return `cli:${process.env.USER ?? 'unknown'}`;
}

export function describePolicy(policy: MonitorStatus['policy']): string {
  return (
    `every ${formatDuration(policy.checkEvery)} over ${formatDuration(policy.window)}; ` +
    `drift at PSI ≥ ${policy.maxPsi} and p < ${policy.significance}, ` +
    `feedback errors ≥ ${policy.maxFeedbackErrorRate} (or +${policy.maxFeedbackErrorRateIncrease}), ` +
    `backlog ≥ ${policy.backlogThreshold}; persistence ${policy.persistence}, cooldown ${formatDuration(policy.cooldown)}`
  );
}

function renderTrigger(trigger: MonitorTrigger): string {
  const result = trigger.result.started
    ? `started cycle ${trigger.result.number} (${trigger.result.workflowId})`
    : `no cycle started: ${trigger.result.reason}`;
  return `${trigger.trigger} — ${result}`;
}

export function renderMonitorStatus(status: MonitorStatus): string {
  const when = (ms: number | null) =>
    ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const lines = [
    `monitor of ${status.model}: ${status.phase}, ${status.checks} checks (run ${status.runs}), next check ${when(status.nextCheckAt)}`,
    `  policy:    ${describePolicy(status.policy)}`,
    `  reference: ${
      status.reference
        ? `${status.reference.predictions} predictions of ${status.referenceChampion} (${when(status.reference.from)} – ${when(status.reference.to)})`
        : 'none yet (the first window with enough traffic becomes it)'
    }`,
  ];
  const last = status.recent.at(-1);
  if (last) {
    lines.push(
      `  last check ${when(last.at)} (${last.outcome}): ${last.predictions} predictions, backlog ${last.backlog?.count ?? '-'}`,
    );
    for (const reading of last.readings) {
      const streak = status.streaks[reading.signal];
      lines.push(
        `    ${reading.fired ? '!' : ' '} ${reading.detail}${streak ? ` (${streak} in a row)` : ''}`,
      );
    }
    for (const reason of last.reasons) lines.push(`    → ${reason}`);
  }
  for (const trigger of status.triggers.slice(-3))
    lines.push(`  trigger ${when(trigger.at)}: ${renderTrigger(trigger)}`);
  return lines.join('\n');
}
