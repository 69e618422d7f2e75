import { z } from 'zod';
import type { CycleConfig } from '../cycle/cycle-config.ts';

const DAY_MS = 86_400_000;

/**
 * How long a model's captured predictions and their feedback are kept. Older ones are deleted, except
 * predictions a dataset version or a review item references (and their feedback): a dataset keeps what
 * it was built from.
 */
export const RetentionPolicy = z.strictObject({
  keepDays: z
    .number()
    .int({ error: 'keepDays must be a whole number of days' })
    .min(1, { error: 'keepDays must be at least 1 day' })
    .describe('Captured predictions and feedback older than this many days are deleted.'),
});
export type RetentionPolicy = z.output<typeof RetentionPolicy>;

export type RetentionCheck = { ok: true; policy: RetentionPolicy } | { ok: false; reason: string };

/**
 * The longest a cycle still reads captured traffic after it was served: a rollout step's window (its soak,
 * soaked again on each extension before it pauses) and the review deadline (feedback and predictions of
 * the mined batch are read until review closes). Retention shorter than that would delete what a running
 * cycle is about to read.
 */
export function longestTrafficNeed(config: Pick<CycleConfig, 'rollout' | 'review'>): {
  ms: number;
  what: string;
} {
  const stepWindow = config.rollout.soak * (1 + config.rollout.maxExtensions);
  if (stepWindow >= config.review.deadline) {
    return {
      ms: stepWindow,
      what: `a rollout step soaks up to ${readable(stepWindow)} (rollout.soak × (1 + rollout.maxExtensions))`,
    };
  }
  return { ms: config.review.deadline, what: `review.deadline is ${readable(config.review.deadline)}` };
}

/** Validates a retention setting against the model's cycle config; refuses with the reason and the fix. */
export function checkRetentionPolicy(
  input: unknown,
  config: Pick<CycleConfig, 'rollout' | 'review'>,
): RetentionCheck {
  const parsed = RetentionPolicy.safeParse(input);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((issue) => issue.message).join('; ') };
  }
  const need = longestTrafficNeed(config);
  const keepMs = parsed.data.keepDays * DAY_MS;
  if (keepMs < need.ms) {
    const minimum = Math.ceil(need.ms / DAY_MS);
    return {
      ok: false,
      reason:
        `keepDays ${parsed.data.keepDays} is shorter than the model's cycle needs its traffic: ${need.what}; ` +
        `keep at least ${minimum} day${minimum === 1 ? '' : 's'} or shorten the cycle config`,
    };
  }
  return { ok: true, policy: parsed.data };
}

/** Predictions created before this instant (ms) are past retention at `now`. */
export function retentionCutoff(policy: RetentionPolicy, now: number): number {
  return now - policy.keepDays * DAY_MS;
}

function readable(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms}ms`;
}
