/** Orchestration and light activities. */
export const FLYWHEEL_TASK_QUEUE = 'flywheel';
/** Training only, so hosts with accelerators can serve it alone (`flywheel worker --training-only`). */
export const TRAINING_TASK_QUEUE = 'flywheel-training';
