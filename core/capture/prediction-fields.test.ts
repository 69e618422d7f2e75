import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { aPrediction as row } from '../../test/support/store-records.ts';
import { fromPredictionFields, toPredictionFields } from './prediction-fields.ts';
import type { PredictionRecord } from './records.ts';

/** What the capture ring does: the fields, as JSON, read back. */
const cross = (r: PredictionRecord) =>
  fromPredictionFields(JSON.parse(JSON.stringify(toPredictionFields(r))));

describe('a prediction as its fields, through JSON', () => {
  test('comes back unchanged, nulls and awkward texts included', () => {
    for (const r of [
      row(),
      row({ variant: 'shadow', servedPredictionId: 'x-1', userKey: null, metadata: {} }),
      row({ text: '', label: 'spam', confidence: 1, latencyMs: 0, createdAt: 0 }),
      row({ text: 'a\u0000b 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 é "quoted"', scores: { 'a:b': 1e-9, '"': 0 } }),
    ]) {
      expect(cross(r)).toEqual(r);
    }
  });

  test('comes back unchanged, whatever the row (property)', () => {
    const anyRow = fc.record({
      id: fc.string({ minLength: 1 }),
      model: fc.string({ minLength: 1 }),
      modelVersion: fc.string({ minLength: 1 }),
      variant: fc.constantFrom('champion', 'canary', 'shadow' as const),
      text: fc.string({ unit: 'binary' }),
      label: fc.string({ minLength: 1 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      scores: fc.dictionary(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      userKey: fc.option(fc.string(), { nil: null }),
      servedPredictionId: fc.option(fc.string(), { nil: null }),
      latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
      metadata: fc.dictionary(fc.string(), fc.string()),
      createdAt: fc.integer({ min: 0, max: 2 ** 48 }),
    });
    fc.assert(
      fc.property(anyRow, (r) => {
        // Scores travel as JSON, where -0 is 0: a sign on a zero score means nothing.
        expect(cross(r)).toEqual({ ...r, scores: JSON.parse(JSON.stringify(r.scores)) });
      }),
    );
  });
});
