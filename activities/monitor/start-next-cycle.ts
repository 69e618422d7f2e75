import { invalidInput } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import type { CycleStartRequest, CycleStartResult } from './contracts.ts';
import { requireCycleStarter } from './observe-model.ts';

/**
 * Starts the model's next cycle the way `flywheel cycle start` does (same numbering, same one-at-a-time
 * rule). A cycle already running is an answer, not a failure: `started: false` says which one.
 */
export function startNextCycleActivity(deps: ActivityDeps) {
  return async function startNextCycle(input: CycleStartRequest): Promise<CycleStartResult> {
    if (!input.trigger.trim()) throw invalidInput('a cycle needs a trigger');
    const result = await requireCycleStarter(deps).start(input);
    deps.logger.info(
      { model: input.model, trigger: input.trigger, reasons: input.reasons, result },
      result.started ? 'started a cycle' : 'did not start a cycle',
    );
    return result;
  };
}
