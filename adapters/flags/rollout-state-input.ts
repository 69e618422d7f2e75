import type { z } from 'zod';
import type { RolloutState } from '../../core/rollout/rollout-state.ts';
import { readableIssues } from '../../core/validation/zod-issues.ts';

/** Parses what a caller hands a flag provider, or throws one readable line naming what was wrong. */
export function parseOrExplain<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new Error(`invalid ${what}: ${readableIssues(parsed.error, { input: value }).join('; ')}`);
  return parsed.data;
}

/** Two states serve the same traffic: a write of one over the other changes nothing. */
export function sameRolloutState(a: RolloutState, b: RolloutState): boolean {
  return (
    a.championVersion === b.championVersion &&
    a.candidateVersion === b.candidateVersion &&
    a.mode === b.mode &&
    a.percent === b.percent
  );
}
