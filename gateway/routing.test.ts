import { describe, expect, it } from 'vitest';
import { assignCanaryArm } from '../core/rollout/canary-assignment.ts';
import { routeRequest } from './routing.ts';
import type { ServingPlan } from './serving-plan-cache.ts';

const plan = (over: Partial<ServingPlan>): ServingPlan & { championVersion: string } => ({
  model: 'spam',
  candidateVersion: 'v2',
  mode: 'off',
  percent: 0,
  ...over,
  championVersion: over.championVersion ?? 'v1',
});
const users = Array.from({ length: 500 }, (_, i) => `user-${i}`);

describe('routeRequest', () => {
  it('serves the champion when no rollout is on', () => {
    expect(routeRequest(plan({ mode: 'off', percent: 50 }), 'user-1')).toEqual({
      variant: 'champion',
      versionId: 'v1',
      shadowVersionId: null,
    });
  });

  it('runs the candidate in shadow beside every champion answer', () => {
    expect(routeRequest(plan({ mode: 'shadow' }), null)).toEqual({
      variant: 'champion',
      versionId: 'v1',
      shadowVersionId: 'v2',
    });
  });

  it('sends a user to the canary exactly when the shared sticky assignment says so', () => {
    const canary = plan({ mode: 'canary', percent: 30 });
    for (const user of users) {
      const route = routeRequest(canary, user);
      expect(route.variant).toBe(assignCanaryArm('spam', user, 30));
      expect(route.versionId).toBe(route.variant === 'canary' ? 'v2' : 'v1');
    }
  });

  it('sends nobody at 0 percent and every keyed user at 100 percent', () => {
    expect(
      users.every((u) => routeRequest(plan({ mode: 'canary', percent: 0 }), u).variant === 'champion'),
    ).toBe(true);
    expect(
      users.every((u) => routeRequest(plan({ mode: 'canary', percent: 100 }), u).variant === 'canary'),
    ).toBe(true);
  });

  it('serves the champion to requests without a user key, even at 100 percent', () => {
    expect(routeRequest(plan({ mode: 'canary', percent: 100 }), null).variant).toBe('champion');
  });

  it('serves the champion alone when the candidate is the champion', () => {
    expect(routeRequest(plan({ mode: 'shadow', candidateVersion: 'v1' }), 'user-1').shadowVersionId).toBe(
      null,
    );
  });
});
