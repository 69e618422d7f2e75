import type { Command } from 'commander';
import { createLogger } from '../../adapters/log/logger.ts';
import { dataDir } from '../data-dir.ts';
import { startStack } from '../embedded-stack.ts';
import { parsePort } from '../options.ts';
import { waitForStopSignal } from './stop-signal.ts';

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'run the whole loop on this machine: Temporal dev server + Web UI, worker, gateway, console (Ctrl-C stops)',
    )
    .option('--temporal-port <port>', 'Temporal frontend port', parsePort, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', parsePort, 8233)
    .option('--gateway-port <port>', 'inference gateway port', parsePort, 8080)
    .option('--console-port <port>', 'review console port', parsePort, 8090)
    .option('--codec-port <port>', 'codec server port (when FLYWHEEL_PAYLOAD_KEYS is set)', parsePort, 8234)
    .action(
      async (options: {
        temporalPort: number;
        uiPort: number;
        gatewayPort: number;
        consolePort: number;
        codecPort: number;
      }) => {
        const logger = createLogger('flywheel');
        const folder = dataDir();
        const stack = await startStack({
          dataDir: folder,
          databaseUrl: process.env.FLYWHEEL_DATABASE_URL,
          logger,
          temporalPort: options.temporalPort,
          uiPort: options.uiPort,
          gatewayPort: options.gatewayPort,
          consolePort: options.consolePort,
          codecPort: options.codecPort,
        });
        const lines = [
          `Flywheel is running (data in ${folder})`,
          `  Temporal:    ${stack.temporal.address} (namespace ${stack.temporal.namespace})`,
          stack.temporal.uiUrl ? `  Temporal UI: ${stack.temporal.uiUrl}` : '  Temporal UI: (your cluster)',
          `  Gateway:     ${stack.gatewayUrl} (POST /v1/models/<model>/predict)`,
          `  Console:     ${stack.consoleUrl} (reviewers: \`flywheel reviewers add <name>\`)`,
          ...(stack.gatewayAuth === 'off'
            ? [
                '  WARNING:     the gateway answers anyone who can reach it (FLYWHEEL_GATEWAY_AUTH=keys asks for API keys)',
              ]
            : []),
          ...(stack.codec
            ? [
                `  Codec:       ${stack.codec.endpoint} (payloads encrypted; Authorization: Bearer ${
                  stack.codec.generatedToken ? stack.codec.token : '$FLYWHEEL_CODEC_TOKEN'
                })`,
              ]
            : ['  Codec:       off (workflow histories hold payloads in clear; see FLYWHEEL_PAYLOAD_KEYS)']),
          'Press Ctrl-C to stop.',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        await waitForStopSignal();
        process.stdout.write('stopping…\n');
        await stack.stop();
      },
    );
}
