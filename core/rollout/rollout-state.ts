import { z } from 'zod';

/**
 * What the gateway serves for one model. Written only by rollout activities (and model aliases at
 * promotion); read by the gateway through a short cache.
 */
export const RolloutMode = z.enum(['off', 'shadow', 'canary']);
export type RolloutMode = z.infer<typeof RolloutMode>;

export const RolloutState = z.object({
  championVersion: z.string().nullable(),
  candidateVersion: z.string().nullable(),
  mode: RolloutMode,
  /** Share of users (0-100) served by the candidate in canary mode; sticky by user key. */
  percent: z.number().min(0).max(100),
});
export type RolloutState = z.infer<typeof RolloutState>;

export const CHAMPION_ONLY = (championVersion: string | null): RolloutState => ({
  championVersion,
  candidateVersion: null,
  mode: 'off',
  percent: 0,
});
