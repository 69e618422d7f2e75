import type { Command } from 'commander';
import { createLogger } from '../../adapters/log/logger.ts';
import { runGateway } from '../../gateway/run-gateway.ts';
import { dataDir } from '../data-dir.ts';
import { parsePort } from '../options.ts';
import { waitForStopSignal } from './stop-signal.ts';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run the inference gateway alone (predict, feedback, health, metrics)')
    .option('--port <port>', 'port to listen on', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { port: number; host: string }) => {
      const logger = createLogger('gateway');
      const gateway = await runGateway({
        dataDir: dataDir(),
        databaseUrl: process.env.FLYWHEEL_DATABASE_URL,
        port: options.port,
        host: options.host,
        logger,
      });
      process.stdout.write(`gateway listening on ${gateway.address} (Ctrl-C stops it)\n`);
      await waitForStopSignal();
      await gateway.close();
    });
}
