import { describe, expect, test } from 'vitest';
import { newPredictionId } from './prediction-id.ts';

/** The creation time (Unix ms) in an id's first 48 bits, as RFC 9562 lays out version 7. */
const predictionIdTime = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

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
