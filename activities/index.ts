import { type ChampionActivities, createChampionActivities } from './champion/change-champion.ts';
import { metered } from './cpu-meter.ts';
import { beginCycleActivity } from './cycle/begin-cycle.ts';
import { buildDatasetActivity } from './cycle/build-dataset.ts';
import { collectEdgeCasesActivity } from './cycle/collect-edge-cases.ts';
import type { CycleActivities, TrainingActivities } from './cycle/contracts.ts';
import { dailySpendActivity } from './cycle/daily-spend.ts';
import { evaluateCandidateActivity } from './cycle/evaluate-candidate.ts';
import { finishCycleActivity } from './cycle/finish-cycle.ts';
import type { ActivityDeps } from './deps.ts';
import type { MonitorActivities } from './monitor/contracts.ts';
import { createMonitorActivities } from './monitor/index.ts';
import { applyRetentionActivity } from './retention/apply-retention.ts';
import type { RetentionActivities } from './retention/contracts.ts';
import type { ReviewActivities } from './review/contracts.ts';
import { createReviewActivities } from './review/index.ts';
import type { RolloutActivities } from './rollout/contracts.ts';
import { createRolloutActivities } from './rollout/index.ts';
import {
  createModelTrainingActivities,
  type ModelTrainingActivities,
} from './training/seed-corpus-dataset.ts';
import { trainCandidateActivity } from './training/train-candidate.ts';

/** The activities of the main task queue, bound to their dependencies. */
export function createActivities(
  deps: ActivityDeps,
): CycleActivities &
  ReviewActivities &
  RolloutActivities &
  MonitorActivities &
  ChampionActivities &
  RetentionActivities &
  ModelTrainingActivities {
  return {
    ...createChampionActivities(deps),
    ...createModelTrainingActivities(deps),
    ...createMonitorActivities(deps),
    ...createReviewActivities(deps),
    ...createRolloutActivities(deps),
    beginCycle: beginCycleActivity(deps),
    collectEdgeCases: metered(collectEdgeCasesActivity(deps)),
    buildDataset: metered(buildDatasetActivity(deps)),
    evaluateCandidate: metered(evaluateCandidateActivity(deps)),
    dailySpend: dailySpendActivity(deps),
    finishCycle: finishCycleActivity(deps),
    applyRetention: metered(applyRetentionActivity(deps)),
  };
}

/** The activities of the training task queue (a separate queue so training hosts can be separate). */
export function createTrainingActivities(deps: ActivityDeps): TrainingActivities {
  return { trainCandidate: trainCandidateActivity(deps) };
}
