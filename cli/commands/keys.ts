import type { Command } from 'commander';
import { issueApiKey } from '../../adapters/access/api-key-issuer.ts';
import { API_KEY_SCOPES, type ApiKeyScope, isApiKeyScope } from '../../core/access/api-key.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { formatTable, printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

function collectScope(value: string, previous: ApiKeyScope[]): ApiKeyScope[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  for (const scope of scopes) {
    if (!isApiKeyScope(scope)) {
      throw new CliError(`unknown scope "${scope}"; use ${API_KEY_SCOPES.join(', ')}`, EXIT.usage);
    }
  }
  return [...previous, ...(scopes as ApiKeyScope[])];
}

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys of the gateway (asked for when FLYWHEEL_GATEWAY_AUTH=keys)');

  keys
    .command('create')
    .description('make a key; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'who or what uses it, e.g. "checkout-service"')
    .option(
      '--scope <scope>',
      `what it may do (${API_KEY_SCOPES.join(', ')}; repeat or comma-separate)`,
      collectScope,
      [],
    )
    .option('--json', 'print JSON')
    .action(async (options: { name: string; scope: ApiKeyScope[]; json?: boolean }) => {
      if (options.scope.length === 0) {
        throw new CliError(`give at least one --scope (${API_KEY_SCOPES.join(', ')})`, EXIT.usage);
      }
      if (options.name.trim() === '') throw new CliError('--name must not be empty', EXIT.usage);
      const issued = await withLocalDeps(({ store }) =>
        issueApiKey(store.apiKeys, { name: options.name.trim(), scopes: options.scope, now: Date.now() }),
      );
      const shown = {
        id: issued.record.id,
        name: issued.record.name,
        scopes: issued.record.scopes,
        key: issued.key,
      };
      printResult(shown, Boolean(options.json), () =>
        [
          `key ${shown.id} (${shown.name}) with scopes ${shown.scopes.join(', ')}:`,
          `  ${shown.key}`,
          'Keep it now: Flywheel stores only its hash and cannot show it again.',
        ].join('\n'),
      );
    });

  keys
    .command('list')
    .description('every key: id, name, scopes, when created and revoked (never the key)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const records = await withLocalDeps(({ store }) => store.apiKeys.list());
      const rows = records.map(({ hash: _hash, ...record }) => ({
        ...record,
        created: new Date(record.createdAt),
        revoked: record.revokedAt === null ? null : new Date(record.revokedAt),
      }));
      printResult(
        rows.map(({ created: _c, revoked: _r, ...row }) => row),
        Boolean(options.json),
        () => formatTable(rows, ['id', 'name', 'scopes', 'created', 'revoked']),
      );
    });

  keys
    .command('revoke <id>')
    .description('stop a key working (gateways notice within 5 seconds)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const revoked = await withLocalDeps(({ store }) => store.apiKeys.revoke(id, Date.now()));
      if (!revoked) throw new CliError(`no key ${id}: list them with \`flywheel keys list\``, EXIT.notFound);
      printResult({ id, revoked: true }, Boolean(options.json), () => `key ${id} revoked`);
    });
}
