import type { Command } from 'commander';
import { checkModelName } from '../../client/flywheel-client.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { formatTable, printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

export function registerDatasetsCommand(program: Command): void {
  const datasets = program.command('datasets').description('immutable dataset versions and their lineage');

  datasets
    .command('list <model>')
    .description("a model's dataset versions")
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      checkModelName(model);
      const versions = await withLocalDeps(({ store }) => store.datasets.list(model));
      const rows = versions.map((version) => ({
        ...version,
        ...version.counts,
        created: new Date(version.createdAt),
      }));
      printResult(versions, Boolean(options.json), () =>
        formatTable(rows, ['id', 'parentId', 'cycle', 'train', 'holdout', 'golden', 'created']),
      );
    });

  datasets
    .command('show <id>')
    .description('a dataset version: counts, parent, and where its labels came from')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const shown = await withLocalDeps(async ({ store }) => {
        const version = await store.datasets.get(id);
        if (!version)
          throw new CliError(
            `no dataset ${id}: list them with \`flywheel datasets list <model>\``,
            EXIT.notFound,
          );
        const items = await store.datasets.items(id);
        const lineage: Record<string, number> = {};
        for (const item of items) {
          const key = `${item.source.kind}:${item.source.by}${item.source.cycle === null ? '' : ` (cycle ${item.source.cycle})`}`;
          lineage[key] = (lineage[key] ?? 0) + 1;
        }
        return { ...version, lineage };
      });
      printResult(shown, Boolean(options.json), () =>
        [
          `dataset ${shown.id} of ${shown.model}`,
          `  parent:  ${shown.parentId ?? '-'}`,
          `  cycle:   ${shown.cycle ?? '-'}`,
          `  items:   ${shown.counts.train} train, ${shown.counts.holdout} holdout, ${shown.counts.golden} golden`,
          '  labels from:',
          ...Object.entries(shown.lineage).map(
            ([source, count]) => `    ${String(count).padStart(6)}  ${source}`,
          ),
        ].join('\n'),
      );
    });
}
