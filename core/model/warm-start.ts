/**
 * The training param Flywheel reads itself (like `seed` and `freshLabelWeight`): true fine-tunes the model's
 * serving champion on the new dataset version instead of training from zeros. The champion already knows the
 * seed corpus; starting from it, a few epochs move it towards the new labels without forgetting the old world.
 */
export const WARM_START_PARAM = 'warmStart';

/** What the registry records of a warm-started version: the version its weights started from. */
export const WARM_START_FROM = 'warmStartFrom';
