import { describe, expect, it } from 'vitest';
import { defaultCycleConfig } from '../cycle/cycle-config.ts';
import { nextStepAction, planRollout } from './rollout-plan.ts';

const rollout = defaultCycleConfig().rollout;

describe('planRollout', () => {
  it('turns the default steps into shadow → canary 5 → 25 → 50 → 100, then promotion', () => {
    const plan = planRollout({ championVersion: 'v1', candidateVersion: 'v2', rollout });
    expect(plan.steps.map((s) => [s.name, s.target.mode, s.target.percent, s.championBaseline])).toEqual([
      ['shadow', 'shadow', 0, 'same-window'],
      ['canary 5%', 'canary', 5, 'same-window'],
      ['canary 25%', 'canary', 25, 'same-window'],
      ['canary 50%', 'canary', 50, 'same-window'],
      ['canary 100%', 'canary', 100, 'previous-step'],
    ]);
    expect(
      plan.steps.every((s) => s.target.championVersion === 'v1' && s.target.candidateVersion === 'v2'),
    ).toBe(true);
    expect(plan.steps.every((s) => s.soakMs === 30 * 60_000)).toBe(true);
    expect(plan.promoted).toEqual({ championVersion: 'v2', candidateVersion: null, mode: 'off', percent: 0 });
    expect(plan.rolledBack).toEqual({
      championVersion: 'v1',
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
  });

  it('promotes the first model directly: nothing to compare with', () => {
    const plan = planRollout({ championVersion: null, candidateVersion: 'v1', rollout });
    expect(plan.steps).toEqual([]);
    expect(plan.promoted.championVersion).toBe('v1');
  });
});

describe('nextStepAction', () => {
  const act = (
    verdict: 'success' | 'failure' | 'inconclusive',
    stepIndex = 1,
    extensionsSoFar = 0,
    r = rollout,
  ) => nextStepAction({ verdict, stepIndex, stepCount: 5, extensionsSoFar, rollout: r });

  it('advances, promotes after the last step, and rolls back on failure', () => {
    expect(act('success')).toBe('advance');
    expect(act('success', 4)).toBe('promote');
    expect(act('failure')).toBe('rollback');
  });

  it('extends an inconclusive step while extensions remain, then pauses', () => {
    expect(act('inconclusive', 1, 0)).toBe('extend');
    expect(act('inconclusive', 1, 2)).toBe('pause');
    expect(act('inconclusive', 1, 0, { ...rollout, onInconclusive: 'pause' })).toBe('pause');
  });
});
