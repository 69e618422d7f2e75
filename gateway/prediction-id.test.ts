import { describe, expect, test } from 'vitest';
import { newPredictionId, predictionIdTime } from './prediction-id.ts';

describe('prediction ids (UUID version 7)', () => {
  test('have the RFC 9562 layout: version 7, variant 10, lower-case hex', () => {
    for (let i = 0; i < 2_000; i++) {
      expect(newPredictionId()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  test('carry their creation time in ms, up to the 48-bit limit', () => {
    for (const at of [0, 1, 1_795_306_113_459, 2 ** 32 - 1, 2 ** 32, 2 ** 48 - 1]) {
      expect(predictionIdTime(newPredictionId(at))).toBe(at);
    }
    const before = Date.now();
    const id = newPredictionId();
    expect(predictionIdTime(id)).toBeGreaterThanOrEqual(before);
    expect(predictionIdTime(id)).toBeLessThanOrEqual(Date.now());
  });

  test('an id of another shape carries no time', () => {
    for (const id of [
      'no-such-prediction',
      '0190a5b2-7c1d-4e8f-9a2b-3c4d5e6f7a8b',
      newPredictionId().toUpperCase(),
    ]) {
      expect(predictionIdTime(id)).toBeNull();
    }
  });

  test('sort by creation time across milliseconds', () => {
    const ids = [5, 1, 4, 2, 3].map((offset) => newPredictionId(1_795_306_113_000 + offset));
    expect([...ids].sort().map(predictionIdTime)).toEqual([1, 2, 3, 4, 5].map((n) => 1_795_306_113_000 + n));
  });

  test('do not repeat, within one millisecond or across many', () => {
    const sameMs = new Set(Array.from({ length: 50_000 }, () => newPredictionId(1_795_306_113_459)));
    expect(sameMs.size).toBe(50_000);
    const many = new Set(Array.from({ length: 50_000 }, () => newPredictionId()));
    expect(many.size).toBe(50_000);
  });
});
