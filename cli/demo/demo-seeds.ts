import type { DemoSummary } from './demo-summary.ts';

/** The figures the demo's targets are about, for one seed's story. */
export interface SeedFigures {
  seed: number;
  /** Era-2 holdout accuracy after each cycle (the champion then serving). */
  era2ByCycle: number[];
  era2Before: number;
  /** First champion's era-1 holdout accuracy minus the last champion's (positive: forgotten). */
  era1Drop: number;
  /** Human labels over all labels used. */
  humanShare: number;
  labelsUsed: number;
  outcomes: string[];
  totalSeconds: number;
}

/** The story drawn by several seeds: each seed's figures and the worst of each figure across them. */
export interface SeedsSummary {
  seeds: SeedFigures[];
  worst: {
    era2ByCycle: number[];
    era1Drop: number;
    humanShare: number;
    totalSeconds: number;
  };
}

export function seedFigures(seed: number, summary: DemoSummary): SeedFigures {
  return {
    seed,
    era2ByCycle: summary.era2AccuracyByCycle,
    era2Before: summary.era2AccuracyBefore,
    era1Drop: summary.era1AccuracyBefore - summary.era1Accuracy,
    humanShare: summary.labelsUsed === 0 ? 0 : summary.humanLabels / summary.labelsUsed,
    labelsUsed: summary.labelsUsed,
    outcomes: summary.cycles.map((cycle) => cycle.outcome),
    totalSeconds: summary.totalSeconds,
  };
}

export function summarizeSeeds(seeds: SeedFigures[]): SeedsSummary {
  const cycles = Math.max(0, ...seeds.map((seed) => seed.era2ByCycle.length));
  return {
    seeds,
    worst: {
      // A seed that ended with fewer cycles counts as its last champion's figure for the later ones.
      era2ByCycle: Array.from({ length: cycles }, (_, index) =>
        Math.min(
          ...seeds.map((seed) => seed.era2ByCycle[index] ?? seed.era2ByCycle.at(-1) ?? seed.era2Before),
        ),
      ),
      era1Drop: Math.max(...seeds.map((seed) => seed.era1Drop)),
      humanShare: Math.max(...seeds.map((seed) => seed.humanShare)),
      totalSeconds: Math.max(...seeds.map((seed) => seed.totalSeconds)),
    },
  };
}

/** One line per seed and one for the worst, as a person reads them. */
export function renderSeeds(summary: SeedsSummary): string {
  const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
  const line = (
    name: string,
    figures: Omit<SeedFigures, 'seed' | 'era2Before' | 'labelsUsed' | 'outcomes'>,
  ) =>
    `${name.padEnd(6)}  era-2 ${figures.era2ByCycle.map(pct).join(' → ')}  era-1 drop ${(100 * figures.era1Drop).toFixed(1)} pt  ` +
    `human ${pct(figures.humanShare)}  ${figures.totalSeconds.toFixed(0)} s`;
  return [
    ...summary.seeds.map(
      (seed) => `${line(`${seed.seed}`, seed)}  (${seed.labelsUsed} labels; ${seed.outcomes.join(', ')})`,
    ),
    line('worst', summary.worst),
  ].join('\n');
}
