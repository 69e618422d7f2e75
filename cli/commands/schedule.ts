import type { Command } from 'commander';
import { checkCycleConfig, checkModelName } from '../../client/flywheel-client.ts';
import {
  createCycleSchedule,
  deleteCycleSchedule,
  listCycleSchedules,
  scheduleSpec,
} from '../../client/schedules.ts';
import { formatTable, printResult } from '../table.ts';
import { readConfig, withClient } from './cycle.ts';

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('periodic cycles through Temporal Schedules (one schedule per model)');

  schedule
    .command('create <model>')
    .description("start the model's next cycle periodically; a turn while a cycle runs is skipped")
    .option('--every <duration>', 'interval, e.g. 1d or 6h')
    .option('--cron <expression>', 'or a cron expression in UTC, e.g. "0 3 * * *"')
    .option('--config <file>', 'config of the cycles it starts, as JSON (as for `flywheel cycle start`)')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .option('--json', 'print JSON')
    .action(
      async (
        model: string,
        options: {
          every?: string;
          cron?: string;
          config?: string;
          paused?: boolean;
          note?: string;
          json?: boolean;
        },
      ) => {
        checkModelName(model);
        const cycleConfig = options.config ? readConfig(options.config) : {};
        checkCycleConfig(cycleConfig);
        const when = {
          ...(options.every !== undefined ? { every: options.every } : {}),
          ...(options.cron !== undefined ? { cron: options.cron } : {}),
        };
        scheduleSpec(when);
        await withClient(async (client) => {
          const { scheduleId } = await createCycleSchedule(client, model, {
            ...when,
            cycleConfig,
            paused: Boolean(options.paused),
            ...(options.note ? { note: options.note } : {}),
          });
          printResult(
            { model, scheduleId, ...when, paused: Boolean(options.paused), note: options.note ?? null },
            Boolean(options.json),
            () =>
              `created schedule ${scheduleId}: ${options.every ? `every ${options.every}` : `cron ${options.cron}`}${options.paused ? ' (paused)' : ''}`,
          );
        });
      },
    );

  schedule
    .command('list [model]')
    .description('cycle schedules with their next and last runs')
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const schedules = await listCycleSchedules(client, model ? { model } : {});
        printResult(schedules, Boolean(options.json), () =>
          formatTable(schedules, [
            'model',
            'when',
            'paused',
            'nextRun',
            'lastRun',
            'recentRuns',
            'scheduleId',
          ]),
        );
      });
    });

  schedule
    .command('delete <model>')
    .description("delete the model's cycle schedule (a running cycle goes on)")
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const scheduleId = await deleteCycleSchedule(client, model);
        printResult(
          { model, scheduleId, deleted: true },
          Boolean(options.json),
          () => `deleted schedule ${scheduleId}`,
        );
      });
    });
}
