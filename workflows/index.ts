// Every workflow the Flywheel worker serves.
export { cycle } from './cycle.ts';
export { review } from './review.ts';
export { rollout } from './rollout.ts';
