import { Command, CommanderError } from 'commander';
import { configuredTemporalTarget } from '../workers/configured-target.ts';
import { describeForTerminal, EXIT } from './cli-error.ts';
import { registerConsoleCommand } from './commands/console.ts';
import { registerCycleCommand } from './commands/cycle.ts';
import { registerDatasetsCommand } from './commands/datasets.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerGateCommand } from './commands/gate.ts';
import { registerGatewayCommand } from './commands/gateway.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerModelsCommand } from './commands/models.ts';
import { registerMonitorCommand } from './commands/monitor.ts';
import { registerPrivacyCommand } from './commands/privacy.ts';
import { registerRetentionCommand } from './commands/retention.ts';
import { registerReviewCommand } from './commands/review.ts';
import { registerReviewersCommand } from './commands/reviewers.ts';
import { registerRolloutCommand } from './commands/rollout.ts';
import { registerScheduleCommand } from './commands/schedule.ts';
import { registerTrafficCommand } from './commands/traffic.ts';
import { registerWorkerCommand } from './commands/worker.ts';

/** Every command module adds itself to the program here. */
const COMMANDS: Array<(program: Command) => void> = [
  registerDemoCommand,
  registerDevCommand,
  registerCycleCommand,
  registerReviewCommand,
  registerReviewersCommand,
  registerConsoleCommand,
  registerRolloutCommand,
  registerMonitorCommand,
  registerScheduleCommand,
  registerRetentionCommand,
  registerModelsCommand,
  registerDatasetsCommand,
  registerGateCommand,
  registerWorkerCommand,
  registerGatewayCommand,
  registerKeysCommand,
  registerPrivacyCommand,
  registerTrafficCommand,
];

export function buildProgram(): Command {
  const program = new Command('flywheel')
    .description('The data flywheel of a production ML model, as durable Temporal workflows')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors become one readable line on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the usage problem (or the help/version text).
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    const { line, exitCode } = describeForTerminal(error, safeAddress());
    process.stderr.write(`flywheel: ${line}\n`);
    return exitCode;
  }
}

function safeAddress(): string {
  try {
    return configuredTemporalTarget().address;
  } catch {
    return 'the configured address';
  }
}
