import type { Command } from 'commander';
import { InvalidRequestError } from '../../client/client-errors.ts';
import { checkModelName } from '../../client/flywheel-client.ts';
import {
  checkRetentionSetting,
  deleteRetention,
  runRetention,
  setRetention,
} from '../../client/retention.ts';
import { printResult } from '../table.ts';
import { readConfig, withClient } from './cycle.ts';

interface RetentionOptions {
  keepDays: string;
  config?: string;
  json?: boolean;
}

/** The setting from the command line, checked before connecting to anything. */
function settingOf(model: string, options: RetentionOptions) {
  checkModelName(model);
  if (!/^\d+$/.test(options.keepDays.trim())) {
    throw new InvalidRequestError(
      `--keep-days ${JSON.stringify(options.keepDays)}: a whole number of days, e.g. 30`,
    );
  }
  const keepDays = Number(options.keepDays);
  // Without --config the client checks against the model's cycle schedule's config once connected.
  if (!options.config) {
    checkRetentionSetting({ keepDays });
    return { keepDays };
  }
  const setting = { keepDays, cycleConfig: readConfig(options.config) };
  checkRetentionSetting(setting);
  return setting;
}

export function registerRetentionCommand(program: Command): void {
  const retention = program
    .command('retention')
    .description(
      'delete captured predictions and feedback older than N days, except what datasets and review items reference',
    );

  retention
    .command('set <model>')
    .description(
      "run a retention pass periodically through a Temporal Schedule (replaces the model's setting)",
    )
    .requiredOption('--keep-days <days>', 'keep this many days of captured traffic')
    .option(
      '--config <file>',
      "the cycle config the model runs with (default: its cycle schedule's); retention must outlast its soak and review",
    )
    .option('--every <duration>', 'how often a pass runs', '1d')
    .option('--json', 'print JSON')
    .action(async (model: string, options: RetentionOptions & { every: string }) => {
      const setting = settingOf(model, options);
      await withClient(async (client) => {
        const { scheduleId, replaced } = await setRetention(client, model, {
          ...setting,
          every: options.every,
        });
        printResult(
          { model, scheduleId, keepDays: setting.keepDays, every: options.every, replaced },
          Boolean(options.json),
          () =>
            `${replaced ? 'replaced' : 'created'} ${scheduleId}: keep ${setting.keepDays} days, a pass every ${options.every}`,
        );
      });
    });

  retention
    .command('run <model>')
    .description('run one retention pass now and print what it removed')
    .requiredOption('--keep-days <days>', 'keep this many days of captured traffic')
    .option(
      '--config <file>',
      "the cycle config the model runs with (default: its cycle schedule's); retention must outlast its soak and review",
    )
    .option('--json', 'print JSON')
    .action(async (model: string, options: RetentionOptions) => {
      const setting = settingOf(model, options);
      await withClient(async (client) => {
        const result = await runRetention(client, model, setting);
        printResult(
          { model, ...result },
          Boolean(options.json),
          () =>
            `deleted ${result.predictions} predictions and ${result.feedback} feedback of ${model} created before ${new Date(result.cutoff).toISOString()}; kept ${result.kept} that datasets or review items reference`,
        );
      });
    });

  retention
    .command('delete <model>')
    .description("delete the model's retention schedule (nothing captured is deleted)")
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const scheduleId = await deleteRetention(client, model);
        printResult(
          { model, scheduleId, deleted: true },
          Boolean(options.json),
          () => `deleted ${scheduleId}`,
        );
      });
    });
}
