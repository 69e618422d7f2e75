import { expect, test } from 'vitest';
import { testLogger } from './support/temporal.ts';

test('passing test logs are dropped', () => {
  testLogger.warn({ probe: 1 }, 'PROBE-PASSING');
  expect(1).toBe(1);
});
test('failing test logs are printed', () => {
  testLogger.error({ probe: 2 }, 'PROBE-FAILING');
  expect(1).toBe(2);
});
