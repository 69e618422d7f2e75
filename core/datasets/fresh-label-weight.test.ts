import { expect, test } from 'vitest';
import { weightFreshLabels } from './fresh-label-weight.ts';

const item = (id: string, batchId: string | null) => ({
  id,
  source: { kind: 'auto' as const, by: 'rule', cycle: batchId ? 1 : null, batchId },
});

test("repeats the items of the version's own batch, keeps the rest once, in order", () => {
  const train = [item('old', null), item('fresh', 'b1'), item('other-turn', 'b0')];
  expect(weightFreshLabels(train, 'b1', 3).map((row) => row.id)).toEqual([
    'old',
    'fresh',
    'fresh',
    'fresh',
    'other-turn',
  ]);
  expect(weightFreshLabels(train, 'b1', 1).map((row) => row.id)).toEqual(['old', 'fresh', 'other-turn']);
  expect(weightFreshLabels(train, null, 3).map((row) => row.id)).toEqual(['old', 'fresh', 'other-turn']);
});
