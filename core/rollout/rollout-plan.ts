import type { RolloutConfig } from '../cycle/cycle-config.ts';
import { CHAMPION_ONLY, type RolloutState } from './rollout-state.ts';

/** One step of a rollout: the flags to write, how long to soak, and what to compare the candidate with. */
export interface RolloutStep {
  index: number;
  /** "shadow" or "canary 25%": for reasons, logs and the UI. */
  name: string;
  target: RolloutState;
  soakMs: number;
  /**
   * Where the champion's figures come from. `same-window`: both arms served during the step. At a 100%
   * canary the champion serves nobody, so the candidate is compared with the champion's figures from
   * the previous step (`previous-step`).
   */
  championBaseline: 'same-window' | 'previous-step';
}

export interface RolloutPlan {
  steps: RolloutStep[];
  /** The flags after promotion: the candidate is the champion. */
  promoted: RolloutState;
  /** The flags after a rollback: the champion alone, as before the rollout. */
  rolledBack: RolloutState;
}

/**
 * The sequence of flag states for rolling a candidate out, from the config's steps. With no champion
 * (the first model) there is nothing to compare against and nobody to protect: the plan has no steps
 * and the candidate is promoted directly.
 */
export function planRollout(input: {
  championVersion: string | null;
  candidateVersion: string;
  rollout: Pick<RolloutConfig, 'steps' | 'soak'>;
}): RolloutPlan {
  const { championVersion, candidateVersion, rollout } = input;
  const promoted = CHAMPION_ONLY(candidateVersion);
  const rolledBack = CHAMPION_ONLY(championVersion);
  if (championVersion === null) return { steps: [], promoted, rolledBack };
  const steps = rollout.steps.map((spec, index): RolloutStep => {
    const target: RolloutState =
      spec === 'shadow'
        ? { championVersion, candidateVersion, mode: 'shadow', percent: 0 }
        : { championVersion, candidateVersion, mode: 'canary', percent: spec };
    return {
      index,
      name: spec === 'shadow' ? 'shadow' : `canary ${spec}%`,
      target,
      soakMs: rollout.soak,
      championBaseline: spec === 100 ? 'previous-step' : 'same-window',
    };
  });
  return { steps, promoted, rolledBack };
}

export type StepVerdict = 'success' | 'failure' | 'inconclusive';

/** What the rollout workflow does after a step's analysis. */
export type StepAction = 'advance' | 'promote' | 'rollback' | 'extend' | 'pause';

/**
 * success → the next step, or promotion after the last; failure → rollback; inconclusive → soak the
 * step again while extensions remain and the config says extend, else pause for a human.
 */
export function nextStepAction(input: {
  verdict: StepVerdict;
  stepIndex: number;
  stepCount: number;
  extensionsSoFar: number;
  rollout: Pick<RolloutConfig, 'onInconclusive' | 'maxExtensions'>;
}): StepAction {
  const { verdict, stepIndex, stepCount, extensionsSoFar, rollout } = input;
  if (verdict === 'success') return stepIndex + 1 >= stepCount ? 'promote' : 'advance';
  if (verdict === 'failure') return 'rollback';
  return rollout.onInconclusive === 'extend' && extensionsSoFar < rollout.maxExtensions ? 'extend' : 'pause';
}
