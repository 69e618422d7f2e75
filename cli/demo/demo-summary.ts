/** The demo's result: what the README promises and `--json` prints on its last line. */
export interface DemoSummary {
  model: string;
  /** Era-2 holdout accuracy of the era-1 champion (before the flywheel). */
  era2AccuracyBefore: number;
  /** Era-2 holdout accuracy of the champion after the last cycle. */
  era2Accuracy: number;
  /** Era-2 holdout accuracy of the champion after each cycle, in order. */
  era2AccuracyByCycle: number[];
  /** Era-1 holdout accuracy: the first champion's, and the final champion's (regression check). */
  era1AccuracyBefore: number;
  era1Accuracy: number;
  labelsUsed: number;
  humanLabels: number;
  autoLabels: number;
  minedByReason: Record<string, number>;
  cycles: Array<{
    number: number;
    trigger: string;
    outcome: string;
    championAfter: string | null;
    labels: { auto: number; human: number };
    secondsByStage: Record<string, number>;
  }>;
  traffic: {
    sent: number;
    feedback: number;
    wrongFeedback: number;
    errors: number;
    lastError: string | null;
  };
  secondsByStage: Record<string, number>;
  totalSeconds: number;
  confusion: {
    before: Record<string, Record<string, number>>;
    after: Record<string, Record<string, number>>;
  };
  reportPath: string;
  temporalUiUrl: string | null;
}

/** The summary as the table a person reads at the end of the demo. */
export function renderSummary(summary: DemoSummary): string {
  const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
  const rows: Array<[string, string]> = [
    [
      'era-2 holdout accuracy',
      `${pct(summary.era2AccuracyBefore)} → ${summary.era2AccuracyByCycle.map(pct).join(' → ')}`,
    ],
    ['era-1 holdout accuracy', `${pct(summary.era1AccuracyBefore)} → ${pct(summary.era1Accuracy)}`],
    ['labels used', `${summary.labelsUsed} (${summary.autoLabels} auto, ${summary.humanLabels} human)`],
    [
      'edge cases mined',
      Object.entries(summary.minedByReason)
        .filter(([, count]) => count > 0)
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ') || 'none',
    ],
    ...summary.cycles.map((cycle): [string, string] => [
      `cycle ${cycle.number}`,
      `${cycle.outcome} (${cycle.trigger})`,
    ]),
    [
      'traffic',
      `${summary.traffic.sent} requests, ${summary.traffic.feedback} feedback (${summary.traffic.wrongFeedback} wrong)` +
        (summary.traffic.errors
          ? `, ${summary.traffic.errors} failed (last: ${summary.traffic.lastError})`
          : ''),
    ],
    ...Object.entries(summary.secondsByStage).map((entry): [string, string] => [
      `  time: ${entry[0]}`,
      `${entry[1].toFixed(1)} s`,
    ]),
    ['total wall time', `${summary.totalSeconds.toFixed(1)} s`],
    ['report', summary.reportPath],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}
