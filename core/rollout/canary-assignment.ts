import { sha256OfText } from '../hashing/sha256.ts';

/**
 * Sticky canary assignment for the gateway. A user's bucket is a stable number in [0, 100) from a hash
 * of the model and the user key; the user is on the canary when the bucket is below the canary percent.
 * Raising the percent therefore only ever adds users to the canary: nobody flips back and forth between
 * versions as a rollout advances. The model is part of the hash so that the same users are not the
 * first canaries of every model. SHA-256 gives buckets that are uniform whatever the keys look like
 * (sequential ids, emails), at a few microseconds per request.
 */
export function canaryBucket(model: string, userKey: string): number {
  // NUL cannot appear in a model name, so ("a", "bc") and ("ab", "c") hash differently.
  const digest = sha256OfText(`${model}\u0000${userKey}`);
  return (Number.parseInt(digest.slice(0, 8), 16) / 0x1_0000_0000) * 100;
}

export type CanaryArm = 'canary' | 'champion';

export function assignCanaryArm(model: string, userKey: string, percent: number): CanaryArm {
  return canaryBucket(model, userKey) < percent ? 'canary' : 'champion';
}
