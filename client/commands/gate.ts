import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';
import { printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

export function registerGateCommand(program: Command): void {
  program
    .command('gate')
    .description('evaluation gate reports')
    .command('show <report>')
    .description('a gate report: verdict, reasons and figures')
    .option('--json', 'print JSON')
    .action(async (reportId: string, options: { json?: boolean }) => {
      const report = await withLocalDeps(({ store }) => store.reports.get(reportId));
      if (!report) throw new CliError(`no gate report ${reportId}`, EXIT.notFound);
      printResult(report, Boolean(options.json), () =>
        [
          `gate report ${report.id}: ${report.passed ? 'PASSED' : 'REJECTED'}`,
          `  candidate: ${report.candidateVersion}`,
          `  champion:  ${report.championVersion ?? '-'}`,
          '  checks:',
          ...report.reasons.map((reason) => `    - ${reason}`),
        ].join('\n'),
      );
    });
}
