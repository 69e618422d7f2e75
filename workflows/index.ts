// Every workflow the Flywheel worker serves.
export { championChange } from './champion-change.ts';
export { cycle } from './cycle.ts';
export { monitor } from './monitor.ts';
export { retention } from './retention.ts';
export { review } from './review.ts';
export { rollout } from './rollout.ts';
export { scheduledCycle } from './scheduled-cycle.ts';
export { trainModel } from './train-model.ts';
