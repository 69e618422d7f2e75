import { expect, test } from 'vitest';
import { weightFreshLabels } from './fresh-label-weight.ts';

const item = (id: string, kind: 'seed' | 'auto' | 'human', cycle: number | null) => ({
  id,
  source: { kind, by: 'someone', cycle, batchId: cycle === null ? null : `b${cycle}` },
});

test("repeats every cycle's labels, auto or human, and keeps the seed corpus once, in order", () => {
  const train = [item('seed', 'seed', null), item('fresh', 'auto', 2), item('earlier', 'human', 1)];
  expect(weightFreshLabels(train, 3).map((row) => row.id)).toEqual([
    'seed',
    'fresh',
    'fresh',
    'fresh',
    'earlier',
    'earlier',
    'earlier',
  ]);
  expect(weightFreshLabels(train, 1).map((row) => row.id)).toEqual(['seed', 'fresh', 'earlier']);
});
