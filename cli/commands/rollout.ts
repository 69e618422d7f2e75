import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { checkCycleConfig, checkModelName, type FlywheelClient } from '../../client/flywheel-client.ts';
import { describeRollout } from '../../core/rollout/describe-rollout.ts';
import {
  type RolloutSignalName,
  type RolloutStatus,
  rolloutWorkflowId,
} from '../../workflows/rollout-messages.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { printResult } from '../table.ts';
import { readConfig, withClient } from './cycle.ts';
import { withLocalDeps } from './local-deps.ts';

/** How long a control waits to see its effect in the rollout's status before printing it anyway. */
const EFFECT_TIMEOUT_MS = 15_000;

export function registerRolloutCommand(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('staged rollouts: start one, watch it, and steer it (pause, resume, promote, abort)');

  rollout
    .command('start <model> <version>')
    .description('roll a registered version out against the champion, step by step (shadow → canary → 100%)')
    .option('--config <file>', 'cycle config as JSON: its `rollout` and `activities` sections apply')
    .option('--unblessed', 'allow a version no gate blessed')
    .option('--json', 'print JSON')
    .action(
      async (
        model: string,
        version: string,
        options: { config?: string; unblessed?: boolean; json?: boolean },
      ) => {
        checkModelName(model);
        const config = options.config ? readConfig(options.config) : {};
        checkCycleConfig(config);
        await withClient(async (client) => {
          const started = await client.startRollout(model, version, {
            config,
            trigger: `cli:${whoAmI()}`,
            allowUnblessed: Boolean(options.unblessed),
          });
          printResult(
            started,
            Boolean(options.json),
            () =>
              `started the rollout of ${model} ${version} (${started.workflowId}); watch it with \`flywheel rollout status ${model}\``,
          );
        });
      },
    );

  rollout
    .command('status <model>')
    .description("the model's rollout: step, soak, verdicts with their figures, controls")
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      checkModelName(model);
      await withClient(async (client) => {
        const status = await client.rolloutStatus(model);
        printResult(status, Boolean(options.json), () => describeRollout(status));
      });
    });

  const controls: Array<[RolloutSignalName, string, (status: RolloutStatus) => boolean]> = [
    [
      'pause',
      'hold the current step (a failing analysis still rolls back)',
      (s) => s.paused !== null || s.outcome !== 'running',
    ],
    [
      'resume',
      'end a pause: the step soaks again and is analysed before going on',
      (s) => s.paused === null || s.outcome !== 'running',
    ],
    [
      'promote',
      'skip the remaining steps: the candidate becomes the champion now',
      (s) => s.outcome !== 'running',
    ],
    ['abort', 'back to the champion at once; the rollout ends rolled-back', (s) => s.outcome !== 'running'],
  ];
  for (const [signal, description, took] of controls) {
    rollout
      .command(`${signal} <model>`)
      .description(description)
      .option('--reason <text>', 'why (kept in the audit trail)')
      .option('--by <name>', 'who (default: $USER)')
      .option('--json', 'print JSON')
      .action(async (model: string, options: { reason?: string; by?: string; json?: boolean }) => {
        checkModelName(model);
        await withClient(async (client) => {
          const status = await sendControl(client, model, signal, took, {
            by: options.by ?? `cli:${whoAmI()}`,
            ...(options.reason ? { reason: options.reason } : {}),
          });
          if (status) printResult(status, Boolean(options.json), () => describeRollout(status));
        });
      });
  }
}

/**
 * Sends the signal, then waits (briefly) until the status shows it took effect. The signal goes first and
 * needs only the server: an abort is delivered even while no worker runs (it acts when one does).
 */
async function sendControl(
  client: FlywheelClient,
  model: string,
  signal: RolloutSignalName,
  took: (status: RolloutStatus) => boolean,
  request: { by: string; reason?: string },
): Promise<RolloutStatus | null> {
  const handle = client.temporal.workflow.getHandle(rolloutWorkflowId(model));
  let execution: Awaited<ReturnType<typeof handle.describe>>;
  try {
    execution = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new CliError(`${model} has had no rollout`, EXIT.notFound);
    throw error;
  }
  if (execution.status.name === 'RUNNING') {
    await client.signalRollout(model, signal, request);
    try {
      return await client.waitForRollout(
        model,
        (status) => {
          const last = status.controls.at(-1);
          return last?.signal === signal && last.by === request.by && took(status);
        },
        EFFECT_TIMEOUT_MS,
      );
    } catch (error) {
      throw new CliError(
        `${signal} sent to ${model}'s rollout, but its state cannot be read now (${(error as Error).message}); ` +
          'it acts on the signal as soon as a worker runs it',
        EXIT.failure,
      );
    }
  }
  // Ended. A terminated rollout ran no compensation: abort puts the champion back from here.
  const status = await client.rolloutStatus(model).catch(() => null);
  const ended = status && status.outcome !== 'running' ? status.outcome : execution.status.name.toLowerCase();
  if (signal === 'abort') {
    const championVersion = await withLocalDeps(({ store }) => store.models.alias(model, 'champion'));
    if (championVersion === null) {
      throw new CliError(
        `the rollout of ${model} has ended (${ended}) and ${model} has no champion to serve: ` +
          `make one with \`flywheel models rollback ${model} --to <version>\``,
        EXIT.conflict,
      );
    }
    const reset = await client.changeChampion({
      model,
      to: championVersion,
      actor: request.by,
      reason: `the rollout had ended (${ended}) with its flags left behind`,
      purpose: 'flags-reset',
    });
    if (reset.changed) {
      process.stderr.write(
        `the rollout of ${model} had ended (${ended}) with its flags still on the candidate: ` +
          `champion-only flags written for ${championVersion}\n`,
      );
      return status;
    }
  }
  throw new CliError(`the rollout of ${model} has ended (${ended}); nothing to ${signal}`, EXIT.conflict);
}

function whoAmI(): string {
  return process.env.USER ?? 'unknown';
}
