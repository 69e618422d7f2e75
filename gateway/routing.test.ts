import { describe, expect, it } from 'vitest';
import { assignCanaryArm } from '../core/rollout/canary-assignment.ts';
import { canaryAssignerOf, routeRequest } from './routing.ts';
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

  it('asks the flag provider who is on the canary when its service decides, and only in canary mode', () => {
    const asked: string[] = [];
    const assign = canaryAssignerOf({
      assignCanaryArm: (_model, userKey) => {
        asked.push(userKey);
        return userKey === 'user-7' ? 'canary' : 'champion';
      },
    });
    const canary = plan({ mode: 'canary', percent: 1 });
    expect(routeRequest(canary, 'user-7', assign).variant).toBe('canary');
    expect(routeRequest(canary, 'user-8', assign).variant).toBe('champion');
    expect(routeRequest(canary, null, assign).variant).toBe('champion');
    expect(routeRequest(plan({ mode: 'shadow' }), 'user-7', assign).variant).toBe('champion');
    expect(asked).toEqual(['user-7', 'user-8']);
  });

  it("uses Flywheel's own sticky hash for a provider that does not decide", () => {
    const assign = canaryAssignerOf({});
    for (const user of users) {
      expect(routeRequest(plan({ mode: 'canary', percent: 30 }), user, assign).variant).toBe(
        assignCanaryArm('spam', user, 30),
      );
    }
  });
});
