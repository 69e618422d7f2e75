import type { Command } from 'commander';
import { createLogger } from '../../adapters/log/logger.ts';
import { runConsole } from '../../console/run-console.ts';
import { configuredTemporalTarget } from '../../workers/configured-target.ts';
import { dataDir } from '../data-dir.ts';
import { parsePort } from '../options.ts';
import { waitForStopSignal } from './stop-signal.ts';

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description(
      'run the review console: review pages for reviewers, an overview for engineers (Ctrl-C stops)',
    )
    .option('--port <port>', 'port to listen on', parsePort, 8090)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--temporal-ui <url>',
      'Temporal Web UI to link workflows to (default: FLYWHEEL_TEMPORAL_UI_URL, or the embedded one)',
    )
    .action(async (options: { port: number; host: string; temporalUi?: string }) => {
      const target = configuredTemporalTarget();
      const running = await runConsole({
        dataDir: dataDir(),
        databaseUrl: process.env.FLYWHEEL_DATABASE_URL,
        target,
        port: options.port,
        host: options.host,
        logger: createLogger('console'),
        temporalUiUrl:
          options.temporalUi ??
          process.env.FLYWHEEL_TEMPORAL_UI_URL ??
          (target.embedded ? 'http://127.0.0.1:8233' : null),
        sessionSecret: process.env.FLYWHEEL_CONSOLE_SECRET,
      });
      process.stdout.write(`console listening on ${running.address} (Ctrl-C stops it)\n`);
      await waitForStopSignal();
      await running.close();
    });
}
