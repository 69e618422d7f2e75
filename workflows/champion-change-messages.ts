import type { ChampionChangeRequest, ChampionChangeResult } from '../activities/rollout/move-champion.ts';

export type { ChampionChangeResult };

/** What `flywheel models rollback` asks for: the target is named up front, so a re-run changes nothing. */
export type ChampionChangeInput = Omit<ChampionChangeRequest, 'via'>;

/**
 * One hand-made champion change per model at a time: the id is the model's, so a second one started
 * while the first runs is refused rather than interleaved with it.
 */
export function championChangeWorkflowId(model: string): string {
  return `flywheel-champion-${model}`;
}
