import { notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import {
  type ChampionChangeRequest,
  type ChampionChangeResult,
  changeChampion,
  UnknownVersionError,
} from '../rollout/move-champion.ts';

/** The activities of hand-made champion changes (main task queue). */
export interface ChampionActivities {
  /** Moves the champion to a named version and makes the flags agree; a re-run changes nothing. */
  changeChampion(request: Omit<ChampionChangeRequest, 'via'>): Promise<ChampionChangeResult>;
}

export function createChampionActivities(deps: ActivityDeps): ChampionActivities {
  return {
    async changeChampion(request) {
      try {
        return await changeChampion(deps, { ...request, via: 'workflow' });
      } catch (error) {
        if (error instanceof UnknownVersionError) throw notFound(error.message);
        throw error;
      }
    },
  };
}
