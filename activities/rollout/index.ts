import type { ActivityDeps } from '../deps.ts';
import { analyseRolloutStepActivity } from './analyse-rollout-step.ts';
import { beginRolloutActivity } from './begin-rollout.ts';
import { completeRolloutActivity } from './complete-rollout.ts';
import type { RolloutActivities } from './contracts.ts';
import { recordRolloutEventActivity } from './record-rollout-event.ts';
import { restoreChampionActivity, setRolloutFlagsActivity } from './set-rollout-flags.ts';

/** The rollout's activities (main task queue): flags, online analysis, promotion, compensation. */
export function createRolloutActivities(deps: ActivityDeps): RolloutActivities {
  return {
    beginRollout: beginRolloutActivity(deps),
    setRolloutFlags: setRolloutFlagsActivity(deps),
    analyseRolloutStep: analyseRolloutStepActivity(deps),
    completeRollout: completeRolloutActivity(deps),
    restoreChampion: restoreChampionActivity(deps),
    recordRolloutEvent: recordRolloutEventActivity(deps),
  };
}
