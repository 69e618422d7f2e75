import { describe, expect, it } from 'vitest';
import { CycleConfig, defaultCycleConfig } from '../cycle/cycle-config.ts';
import { checkRetentionPolicy, longestTrafficNeed, retentionCutoff } from './retention-policy.ts';

const DAY = 86_400_000;

describe('retention policy', () => {
  it('accepts a retention at least as long as what the default cycle reads', () => {
    // Defaults: review.deadline 24h, soak 30m × 3 = 90m: one day is enough.
    expect(checkRetentionPolicy({ keepDays: 1 }, defaultCycleConfig())).toEqual({
      ok: true,
      policy: { keepDays: 1 },
    });
  });

  it('refuses a retention shorter than the review deadline, naming it and the minimum', () => {
    const config = CycleConfig.parse({ review: { deadline: '3d', reminderAfter: '4h' } });
    const check = checkRetentionPolicy({ keepDays: 2 }, config);
    expect(check).toEqual({
      ok: false,
      reason:
        "keepDays 2 is shorter than the model's cycle needs its traffic: review.deadline is 3d; " +
        'keep at least 3 days or shorten the cycle config',
    });
    expect(checkRetentionPolicy({ keepDays: 3 }, config).ok).toBe(true);
  });

  it('refuses a retention shorter than the longest rollout step, extensions included', () => {
    const config = CycleConfig.parse({ rollout: { soak: '1d', maxExtensions: 2 } });
    expect(longestTrafficNeed(config)).toEqual({
      ms: 3 * DAY,
      what: 'a rollout step soaks up to 3d (rollout.soak × (1 + rollout.maxExtensions))',
    });
    const check = checkRetentionPolicy({ keepDays: 2 }, config);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain('keep at least 3 days');
  });

  it('refuses malformed settings with what was wrong', () => {
    const config = defaultCycleConfig();
    expect(checkRetentionPolicy({ keepDays: 0 }, config)).toEqual({
      ok: false,
      reason: 'keepDays must be at least 1 day',
    });
    expect(checkRetentionPolicy({ keepDays: 1.5 }, config)).toEqual({
      ok: false,
      reason: 'keepDays must be a whole number of days',
    });
    const extra = checkRetentionPolicy({ keepDays: 3, keep: 4 }, config);
    expect(extra.ok).toBe(false);
  });

  it('cuts off keepDays before now', () => {
    expect(retentionCutoff({ keepDays: 7 }, 10 * DAY)).toBe(3 * DAY);
  });
});
