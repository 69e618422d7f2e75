import { assignCanaryArm, type CanaryArm } from '../core/rollout/canary-assignment.ts';
import type { ServingPlan } from './serving-plan-cache.ts';

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
 * - canary: a sticky share `percent` of users gets the candidate (core/rollout/canary-assignment.ts),
 *   the rest the champion.
 *   A request without a user key gets the champion: it cannot be kept sticky, and a canary's
 *   per-user comparison needs each user on one side. The canary share is therefore a share of users
 *   who send a key, and anonymous traffic never sees an unproven model.
 */
export function routeRequest(
  plan: ServingPlan & { championVersion: string },
  userKey: string | null,
  assign: CanaryAssigner = defaultAssigner,
): RequestRoute {
  const champion: RequestRoute = {
    variant: 'champion',
    versionId: plan.championVersion,
    shadowVersionId: null,
  };
  if (!plan.candidateVersion || plan.candidateVersion === plan.championVersion) return champion;
  if (plan.mode === 'shadow') return { ...champion, shadowVersionId: plan.candidateVersion };
  if (plan.mode === 'canary' && userKey !== null && assign(plan.model, userKey, plan.percent) === 'canary') {
    return { variant: 'canary', versionId: plan.candidateVersion, shadowVersionId: null };
  }
  return champion;
}

/** Who is on the canary: Flywheel's own sticky hash, or the flag service where it decides (Unleash). */
export type CanaryAssigner = (model: string, userKey: string, percent: number) => CanaryArm;

const defaultAssigner: CanaryAssigner = assignCanaryArm;

export function canaryAssignerOf(flags: {
  assignCanaryArm?(model: string, userKey: string): CanaryArm;
}): CanaryAssigner {
  const byService = flags.assignCanaryArm?.bind(flags);
  return byService ? (model, userKey) => byService(model, userKey) : defaultAssigner;
}
