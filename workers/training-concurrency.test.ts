import { availableParallelism } from 'node:os';
import { expect, test } from 'vitest';
import { TRAINING_CONCURRENCY_VARIABLE, trainingConcurrency } from './training-concurrency.ts';

test('one training per core unless told otherwise', () => {
  expect(trainingConcurrency(undefined, {})).toBe(Math.max(1, availableParallelism()));
});

test('the option wins over the environment variable', () => {
  expect(trainingConcurrency('3', { [TRAINING_CONCURRENCY_VARIABLE]: '5' })).toBe(3);
  expect(trainingConcurrency(undefined, { [TRAINING_CONCURRENCY_VARIABLE]: '5' })).toBe(5);
});

test('anything but a whole number ≥ 1 is refused, naming where it came from and the rule', () => {
  expect(() => trainingConcurrency('0', {})).toThrow(
    '--training-concurrency must be a whole number ≥ 1 (got "0")',
  );
  expect(() => trainingConcurrency(undefined, { [TRAINING_CONCURRENCY_VARIABLE]: 'two' })).toThrow(
    `${TRAINING_CONCURRENCY_VARIABLE} must be a whole number ≥ 1 (got "two")`,
  );
  expect(() => trainingConcurrency('1.5', {})).toThrow(/whole number/);
});
