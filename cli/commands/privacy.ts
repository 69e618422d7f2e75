import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';
import { printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

/** The audit log names a forgotten user by a hash: enough to answer "was K forgotten?", not to find K. */
function userKeyDigest(userKey: string): string {
  return createHash('sha256').update(userKey).digest('hex').slice(0, 16);
}

export function registerPrivacyCommand(program: Command): void {
  const privacy = program.command('privacy').description("users' rights over their captured data");

  privacy
    .command('forget')
    .description(
      "delete a user's captured predictions, feedback and review items; later dataset versions leave their items out",
    )
    .requiredOption('--user-key <key>', 'the userKey the gateway captured with their predictions')
    .option('--actor <name>', 'who asked for it, for the audit log', process.env.USER ?? 'cli')
    .option('--json', 'print JSON')
    .action(async (options: { userKey: string; actor: string; json?: boolean }) => {
      const userKey = options.userKey.trim();
      if (userKey === '') throw new CliError('--user-key must not be empty', EXIT.usage);
      const at = Date.now();
      const result = await withLocalDeps(async ({ store }) => {
        const forgotten = await store.privacy.forgetUser(userKey, at);
        await store.audit.append({
          at,
          model: '*',
          cycleId: null,
          kind: 'privacy-forget',
          actor: options.actor,
          details: { userKeySha256: userKeyDigest(userKey), ...forgotten },
        });
        return forgotten;
      });
      printResult(result, Boolean(options.json), () =>
        [
          `forgot user ${userKeyDigest(userKey)} (sha-256): ${result.predictions} predictions, ${result.feedback} feedback, ${result.reviewItems} review items`,
          result.datasetVersions.length === 0
            ? '  no dataset version holds their items'
            : `  ${result.datasetItems} dataset items marked forgotten; the next dataset version leaves them out. Versions that hold them (immutable; retire the models trained on them if you must): ${result.datasetVersions.join(', ')}`,
        ].join('\n'),
      );
    });
}
