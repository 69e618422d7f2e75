import { availableParallelism } from 'node:os';

/** The environment variable that sets how many training activities one worker runs at once. */
export const TRAINING_CONCURRENCY_VARIABLE = 'FLYWHEEL_TRAINING_CONCURRENCY';

/**
 * One training per core by default: an external trainer is a process of its own, so a sweep of that many
 * variants trains in parallel; built-in trainings share the worker's event loop and take turns per epoch.
 */
export function defaultTrainingConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/**
 * How many training activities a worker runs at once: the given value (a `flywheel worker` option or the
 * environment variable), else one per core. Anything but a whole number ≥ 1 is refused with the rule.
 */
export function trainingConcurrency(given: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = given ?? env[TRAINING_CONCURRENCY_VARIABLE];
  if (raw === undefined || raw.trim() === '') return defaultTrainingConcurrency();
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    const source = given === undefined ? TRAINING_CONCURRENCY_VARIABLE : '--training-concurrency';
    throw new RangeError(`${source} must be a whole number ≥ 1 (got "${raw}")`);
  }
  return value;
}
