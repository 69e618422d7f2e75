import { expect, test } from 'vitest';
import { renderSeeds, type SeedFigures, summarizeSeeds } from './demo-seeds.ts';

const seed = (overrides: Partial<SeedFigures>): SeedFigures => ({
  seed: 1,
  era2ByCycle: [0.96, 0.97],
  era2Before: 0.91,
  era1Drop: 0.001,
  humanShare: 0.1,
  labelsUsed: 100,
  outcomes: ['promoted', 'promoted'],
  totalSeconds: 100,
  ...overrides,
});

test('the worst of each figure across seeds; a seed with one cycle keeps its last figure for the second', () => {
  const summary = summarizeSeeds([
    seed({ seed: 7 }),
    seed({ seed: 13, era2ByCycle: [0.95], era1Drop: 0.004, outcomes: ['promoted'] }),
    seed({ seed: 21, era2ByCycle: [0.97, 0.965], humanShare: 0.19, totalSeconds: 150 }),
  ]);
  expect(summary.worst).toEqual({
    era2ByCycle: [0.95, 0.95],
    era1Drop: 0.004,
    humanShare: 0.19,
    totalSeconds: 150,
  });
  expect(renderSeeds(summary).split('\n').at(-1)).toBe(
    'worst   era-2 95.0% → 95.0%  era-1 drop 0.4 pt  human 19.0%  150 s',
  );
});
