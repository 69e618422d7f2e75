import { describe, expect, it } from 'vitest';
import { captureFallingBehind } from './capture-backlog.ts';
import type { CaptureStats } from './prediction-capture.ts';

const stats = (queued: number, storeAway = false): CaptureStats => ({
  queued,
  maxQueued: 100,
  storeAway,
  captured: 0,
  dropped: { queue_full: 0, store_error: 0, closed: 0 },
});

describe('capture falling behind', () => {
  it('is behind from 90% of its bound while its store answers', () => {
    expect(captureFallingBehind(stats(89))).toBe(false);
    expect(captureFallingBehind(stats(90))).toBe(true);
    expect(captureFallingBehind(stats(100))).toBe(true);
  });

  it('is never behind a store that does not answer: an outage is waited out and served through', () => {
    expect(captureFallingBehind(stats(100, true))).toBe(false);
  });
});
