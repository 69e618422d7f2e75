import { expect, test } from 'vitest';
import { sparklinePoints } from './sparkline.ts';

test('draws the lowest value at the bottom and the highest at the top of the box', () => {
  expect(sparklinePoints([0, 5, 10], 100, 20)).toBe('0.0,18.0 50.0,10.0 100.0,2.0');
  expect(sparklinePoints([3, 3], 100, 20)).toBe('0.0,18.0 100.0,18.0');
  expect(sparklinePoints([7], 100, 20)).toBe('50.0,18.0');
  expect(sparklinePoints([])).toBe('');
});
