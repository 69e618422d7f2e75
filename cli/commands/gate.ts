import type { Command } from 'commander';
import { robustnessLines } from '../../core/robustness/robustness-table.ts';
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
          ...robustnessSection(report.body),
        ].join('\n'),
      );
    });
}

/** Accuracy on each perturbed holdout, candidate beside champion (the rule itself is among the checks). */
function robustnessSection(body: Record<string, unknown>): string[] {
  const lines = robustnessLines(body);
  return lines.length === 0
    ? []
    : ['  robustness (accuracy on the perturbed holdout):', ...lines.map((line) => `    ${line}`)];
}
