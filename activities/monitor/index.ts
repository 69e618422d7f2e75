import type { ActivityDeps } from '../deps.ts';
import type { MonitorActivities } from './contracts.ts';
import { observeModelActivity } from './observe-model.ts';
import { startNextCycleActivity } from './start-next-cycle.ts';

/** The monitor's and scheduled cycles' activities (main task queue). */
export function createMonitorActivities(deps: ActivityDeps): MonitorActivities {
  return {
    observeModel: observeModelActivity(deps),
    startNextCycle: startNextCycleActivity(deps),
  };
}
