import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkCycleConfig, checkModelName, FlywheelClient } from '../../client/flywheel-client.ts';
import { configuredTemporalTarget } from '../../workers/configured-target.ts';
import type { CycleStatus } from '../../workflows/cycle-messages.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { parsePositiveInteger } from '../options.ts';
import { formatTable, printResult } from '../table.ts';

export function registerCycleCommand(program: Command): void {
  const cycle = program
    .command('cycle')
    .description('start, inspect and cancel cycles (one turn of the flywheel)');

  cycle
    .command('start <model>')
    .description("start the model's next cycle")
    .option('--config <file>', 'cycle config as JSON (any subset; defaults fill the rest)')
    .option('--wait', 'wait for the cycle to end and print its result')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { config?: string; wait?: boolean; json?: boolean }) => {
      checkModelName(model);
      const config = options.config ? readConfig(options.config) : {};
      checkCycleConfig(config);
      await withClient(async (client) => {
        const started = await client.startCycle(model, { config, trigger: 'manual' });
        if (!options.wait) {
          printResult(
            started,
            Boolean(options.json),
            () => `started cycle ${started.number} of ${model} (${started.workflowId})`,
          );
          return;
        }
        const result = (await client.temporal.workflow.getHandle(started.workflowId).result()) as CycleStatus;
        printResult(result, Boolean(options.json), () => renderStatus(result));
      });
    });

  cycle
    .command('status <model> [number]')
    .description('the whole state of a cycle (the latest when no number is given)')
    .option('--json', 'print JSON')
    .action(async (model: string, number: string | undefined, options: { json?: boolean }) => {
      checkModelName(model);
      await withClient(async (client) => {
        const status = await client.cycleStatus(model, number ? parsePositiveInteger(number) : undefined);
        printResult(status, Boolean(options.json), () => renderStatus(status));
      });
    });

  cycle
    .command('list [model]')
    .description('cycles, newest first')
    .option('--running', 'only running cycles')
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, options: { running?: boolean; json?: boolean }) => {
      await withClient(async (client) => {
        const cycles = await client.listCycles({
          ...(model ? { model } : {}),
          running: Boolean(options.running),
        });
        printResult(cycles, Boolean(options.json), () =>
          formatTable(cycles, [
            'model',
            'number',
            'status',
            'stage',
            'outcome',
            'trigger',
            'startTime',
            'workflowId',
          ]),
        );
      });
    });

  cycle
    .command('cancel <model> [number]')
    .description('cancel a running cycle (the running one when no number is given)')
    .option('--json', 'print JSON')
    .action(async (model: string, number: string | undefined, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const workflowId = await client.cancelCycle(model, number ? parsePositiveInteger(number) : undefined);
        printResult(
          { model, workflowId, cancellationRequested: true },
          Boolean(options.json),
          () => `cancellation requested for ${workflowId}`,
        );
      });
    });
}

export async function withClient<T>(work: (client: FlywheelClient) => Promise<T>): Promise<T> {
  // The queue workflows start on must be the one the workers poll (`flywheel worker --task-queue`).
  const taskQueue = process.env.FLYWHEEL_TASK_QUEUE;
  const trainingTaskQueue = process.env.FLYWHEEL_TRAINING_TASK_QUEUE;
  const client = await FlywheelClient.connect(configuredTemporalTarget(), {
    ...(taskQueue ? { taskQueue } : {}),
    ...(trainingTaskQueue ? { trainingTaskQueue } : {}),
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`cannot read config file ${path}`, EXIT.usage);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`config file ${path} is not JSON: ${(error as Error).message}`, EXIT.usage);
  }
}

export function renderStatus(status: CycleStatus): string {
  const lines = [
    `cycle ${status.number} of ${status.model} (${status.cycleId})`,
    `  stage:     ${status.stage}`,
    `  outcome:   ${status.outcome}${status.reasons.length ? ` — ${status.reasons.join('; ')}` : ''}`,
    `  trigger:   ${status.trigger}`,
    `  champion:  ${status.championVersion ?? '-'}`,
    `  candidate: ${status.candidateVersion ?? '-'}`,
    `  dataset:   ${status.datasetId ?? '-'}`,
    `  report:    ${status.reportId ?? '-'}`,
  ];
  if (status.rollout) {
    lines.push(
      `  rollout:   ${status.rollout.outcome} (${status.rollout.workflowId}; \`flywheel rollout status ${status.model}\`)`,
    );
  }
  if (status.mined) {
    lines.push(
      `  mined:     ${status.mined.autoLabelled} auto-labelled, ${status.mined.needsReview} for review, from ${status.mined.scanned} predictions`,
      `  by reason: ${JSON.stringify(status.mined.byReason)}`,
    );
  }
  // Statuses of cycles run by older workers have no cost.
  if (status.cost) {
    const cpu = status.cost.cpuSeconds;
    lines.push(
      `  cost:      ${cpu.total.toFixed(2)} CPU-s (collecting ${cpu.collecting.toFixed(2)}, dataset ${cpu.dataset.toFixed(2)}, ` +
        `training ${cpu.training.toFixed(2)}, evaluation ${cpu.evaluation.toFixed(2)}), ` +
        `${status.cost.reviewerDecisions} reviewer decision(s)`,
    );
  }
  if (status.overBudget) {
    const { limit, max, used, unit } = status.overBudget;
    lines.push(`  budget:    ${limit} = ${max}; ${used} ${unit}`);
  }
  const stages = Object.entries(status.secondsByStage)
    .map(([stage, seconds]) => `${stage} ${seconds.toFixed(2)}s`)
    .join(', ');
  if (stages) lines.push(`  time:      ${stages}`);
  return lines.join('\n');
}
