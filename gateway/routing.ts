import type { ServingPlan } from './serving-plan-cache.ts';

/** A user's place in [0, 100) for a model; the same model and user key always give the same place. */
export type CanaryBucket = (model: string, userKey: string) => number;

/** Which version answers a request, and which (if any) runs beside it in shadow. */
export interface RequestRoute {
  variant: 'champion' | 'canary';
  versionId: string;
  shadowVersionId: string | null;
}

/**
 * Routes one request by the model's serving plan.
 * - champion only: the champion answers.
 * - shadow: the champion answers; the candidate runs beside it on every request.
 * - canary: users whose bucket is below `percent` get the candidate, the rest the champion.
 *   A request without a user key gets the champion: it cannot be kept sticky, and a canary's
 *   per-user comparison needs each user on one side. The canary share is therefore a share of users
 *   who send a key, and anonymous traffic never sees an unproven model.
 */
export function routeRequest(
  plan: ServingPlan & { championVersion: string },
  userKey: string | null,
  bucketOf: CanaryBucket,
): RequestRoute {
  const champion: RequestRoute = {
    variant: 'champion',
    versionId: plan.championVersion,
    shadowVersionId: null,
  };
  if (!plan.candidateVersion || plan.candidateVersion === plan.championVersion) return champion;
  if (plan.mode === 'shadow') return { ...champion, shadowVersionId: plan.candidateVersion };
  if (plan.mode === 'canary' && userKey !== null && bucketOf(plan.model, userKey) < plan.percent) {
    return { variant: 'canary', versionId: plan.candidateVersion, shadowVersionId: null };
  }
  return champion;
}
