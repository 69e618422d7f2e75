import type { Command } from 'commander';
import { loadSpamAssassin, parseSpamAssassinSpec } from '../../adapters/corpus/spamassassin.ts';
import { checkModelName } from '../../client/flywheel-client.ts';
import { mulberry32 } from '../../core/model/prng.ts';
import { MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { sendTraffic } from '../simulation/simulated-users.ts';
import { printResult } from '../table.ts';

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function share(value: string): number {
  const number = Number(value);
  if (!(number >= 0 && number <= 1))
    throw new CliError(`"${value}" is not a share between 0 and 1`, EXIT.usage);
  return number;
}

export function registerTrafficCommand(program: Command): void {
  program
    .command('traffic <model>')
    .description('send labelled corpus messages through the gateway as simulated users who report mistakes')
    .requiredOption('--dataset <spec>', 'spamassassin:<group>[,<group>…], e.g. spamassassin:era-2')
    .option('--gateway <url>', 'gateway base URL', 'http://127.0.0.1:8080')
    .option('--limit <n>', 'send at most this many messages', (value) => Number(value))
    .option('--feedback-share <share>', 'share of mistakes users report', share, 0.5)
    .option('--wrong-feedback-share <share>', 'share of all feedback that is wrong', share, 0.05)
    .option('--users <n>', 'distinct users', (value) => Number(value), 500)
    .option('--seed <n>', 'seed of the simulation', (value) => Number(value), 1)
    .option('--json', 'print JSON')
    .action(
      async (
        model: string,
        options: {
          dataset: string;
          gateway: string;
          limit?: number;
          feedbackShare: number;
          wrongFeedbackShare: number;
          users: number;
          seed: number;
          json?: boolean;
        },
      ) => {
        checkModelName(model);
        let groups: ReturnType<typeof parseSpamAssassinSpec>;
        try {
          groups = parseSpamAssassinSpec(options.dataset);
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
        // Mail does not arrive sorted by corpus folder: shuffle (seeded) before taking the first --limit.
        // Texts over the gateway's limit would only be refused (400): users of the API cannot send them.
        const messages = shuffled(
          loadSpamAssassin({ groups }).filter((message) => message.text.length <= MAX_TEXT_LENGTH),
          options.seed,
        ).slice(0, options.limit ?? Number.POSITIVE_INFINITY);
        const stats = await sendTraffic({
          gatewayUrl: options.gateway.replace(/\/$/, ''),
          model,
          messages,
          labels: ['ham', 'spam'],
          feedbackShare: options.feedbackShare,
          wrongFeedbackShare: options.wrongFeedbackShare,
          users: options.users,
          seed: options.seed,
        });
        if (stats.sent === 0 && stats.errors > 0) {
          throw new CliError(`no request was served by ${options.gateway}: ${stats.lastError}`);
        }
        printResult(stats, Boolean(options.json), () =>
          [
            `sent ${stats.sent} messages to ${model}: ${stats.correct} answered right (${((100 * stats.correct) / Math.max(1, stats.sent)).toFixed(1)}%)`,
            `  by variant: ${JSON.stringify(stats.byVariant)}`,
            `  feedback:   ${stats.feedback} (${stats.wrongFeedback} wrong)`,
            ...(stats.errors ? [`  errors:     ${stats.errors} (last: ${stats.lastError})`] : []),
          ].join('\n'),
        );
      },
    );
}
