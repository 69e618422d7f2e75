import { describe, expect, it } from 'vitest';
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
const bucketByKey = (_model: string, userKey: string) => Number(userKey);

describe('routeRequest', () => {
  it('serves the champion when no rollout is on', () => {
    expect(routeRequest(plan({ mode: 'off', percent: 50 }), '1', bucketByKey)).toEqual({
      variant: 'champion',
      versionId: 'v1',
      shadowVersionId: null,
    });
  });

  it('runs the candidate in shadow beside every champion answer', () => {
    expect(routeRequest(plan({ mode: 'shadow' }), null, bucketByKey)).toEqual({
      variant: 'champion',
      versionId: 'v1',
      shadowVersionId: 'v2',
    });
  });

  it('sends users below the canary percent to the candidate', () => {
    const canary = plan({ mode: 'canary', percent: 10 });
    expect(routeRequest(canary, '9.99', bucketByKey).variant).toBe('canary');
    expect(routeRequest(canary, '9.99', bucketByKey).versionId).toBe('v2');
    expect(routeRequest(canary, '10', bucketByKey).variant).toBe('champion');
  });

  it('serves the champion to requests without a user key, even at 100 percent', () => {
    expect(routeRequest(plan({ mode: 'canary', percent: 100 }), null, bucketByKey).variant).toBe('champion');
  });

  it('serves the champion when the candidate is the champion', () => {
    expect(
      routeRequest(plan({ mode: 'shadow', candidateVersion: 'v1' }), '1', bucketByKey).shadowVersionId,
    ).toBe(null);
  });
});
