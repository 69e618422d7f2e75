import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignCanaryArm, canaryBucket } from './canary-assignment.ts';

describe('canary assignment', () => {
  it('puts every user in a bucket in [0, 100), the same one every time', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (model, user) => {
        const bucket = canaryBucket(model, user);
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(100);
        expect(canaryBucket(model, user)).toBe(bucket);
      }),
    );
  });

  it('keeps a canary user on the canary when the percent rises', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (model, user, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          if (assignCanaryArm(model, user, low) === 'canary') {
            expect(assignCanaryArm(model, user, high)).toBe('canary');
          }
        },
      ),
    );
  });

  it('never sends anyone at 0% and everyone at 100%', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (model, user) => {
        expect(assignCanaryArm(model, user, 0)).toBe('champion');
        expect(assignCanaryArm(model, user, 100)).toBe('canary');
      }),
    );
  });

  it('sends about the configured share of users, whatever the keys look like', () => {
    // 4,000 users per run: the share's standard deviation is at most √(0.25/4000) ≈ 0.0079, so a 0.04
    // tolerance is five deviations: a failure means a biased hash, not bad luck.
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z-]{1,12}$/),
        fc.string({ maxLength: 8 }),
        fc.constantFrom(5, 25, 50),
        (model, prefix, percent) => {
          let canary = 0;
          for (let i = 0; i < 4_000; i++)
            if (assignCanaryArm(model, `${prefix}${i}`, percent) === 'canary') canary++;
          expect(Math.abs(canary / 4_000 - percent / 100)).toBeLessThan(0.04);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('draws different canary users for different models', () => {
    const users = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);
    const spam = users.filter((u) => assignCanaryArm('spam', u, 10) === 'canary');
    const support = new Set(users.filter((u) => assignCanaryArm('support', u, 10) === 'canary'));
    // Independent 10% draws share about 1% of users; identical draws would share 10%.
    expect(spam.filter((u) => support.has(u)).length).toBeLessThan(40);
  });
});
