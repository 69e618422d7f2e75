import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { hashPassword, passwordProblem } from '../../console/password-hash.ts';
import { ReviewerId } from '../../core/review/review-decision.ts';
import { rulesOf } from '../../core/validation/zod-issues.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { formatTable, printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

export function registerReviewersCommand(program: Command): void {
  const reviewers = program
    .command('reviewers')
    .description('accounts that sign in to the review console: add, list');

  reviewers
    .command('add <name>')
    .description(
      'create a reviewer account, or set its new password (read from stdin, or from --password-file)',
    )
    .option('--password-file <path>', 'read the password from this file (its first line)')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { passwordFile?: string; json?: boolean }) => {
      const checked = ReviewerId.safeParse(name);
      if (!checked.success) {
        throw new CliError(`invalid reviewer name "${name}": ${rulesOf(checked.error)}`, EXIT.usage);
      }
      const password = firstLine(options.passwordFile ? readPasswordFile(options.passwordFile) : readStdin());
      const problem = passwordProblem(password);
      if (problem) throw new CliError(`${problem} (give it on stdin or with --password-file)`, EXIT.usage);
      const passwordHash = await hashPassword(password);
      await withLocalDeps(async ({ store }) => {
        const existing = await store.reviewers.get(name);
        const now = Date.now();
        await store.reviewers.upsert({
          name,
          passwordHash,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        });
        printResult(
          { name, added: !existing, passwordChanged: Boolean(existing) },
          Boolean(options.json),
          () =>
            existing
              ? `reviewer ${name}: password changed`
              : `reviewer ${name} added: sign in with \`flywheel console\``,
        );
      });
    });

  reviewers
    .command('list')
    .description('reviewer accounts (never their passwords)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withLocalDeps(async ({ store }) => {
        const accounts = (await store.reviewers.list()).map((account) => ({
          name: account.name,
          created: new Date(account.createdAt),
          updated: new Date(account.updatedAt),
        }));
        printResult(accounts, Boolean(options.json), () =>
          formatTable(accounts, ['name', 'created', 'updated']),
        );
      });
    });
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --password-file ${path}: ${(error as Error).message}`, EXIT.usage);
  }
}

function readStdin(): string {
  if (process.stdin.isTTY) {
    throw new CliError(
      'give the password on stdin (`printf %s "$PASSWORD" | flywheel reviewers add alice`) or with --password-file',
      EXIT.usage,
    );
  }
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}
