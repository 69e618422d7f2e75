import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../core/capture/records.ts';
import { aPrediction } from '../test/support/store-records.ts';
import { CaptureRing } from './capture-ring.ts';

const prediction = (n: number, overrides: Partial<PredictionRecord> = {}) =>
  aPrediction({
    id: `p-${n}`,
    text: `mail ${n} – ünïcode, "quotes", emoji 📬 `.repeat(1 + (n % 7)),
    ...overrides,
  });

/** Reads and releases everything, as the writer thread does after a successful write. */
function drain(ring: CaptureRing): PredictionRecord[] {
  const out: PredictionRecord[] = [];
  for (;;) {
    const batch = ring.peek(16, 1 << 20);
    if (batch.records.length === 0) return out;
    out.push(...batch.records);
    ring.release(batch, 'captured');
  }
}

describe('CaptureRing: predictions shared between the event loop and the writer thread', () => {
  it('gives back every field of what was written, nulls and awkward texts included', () => {
    const awkward = [
      aPrediction({ variant: 'shadow', servedPredictionId: 'x-1', userKey: null, metadata: {} }),
      aPrediction({ text: '', label: 'spam', confidence: 1, latencyMs: 0, createdAt: 0 }),
      aPrediction({ text: 'a\u0000b 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 é "quoted"', scores: { 'a:b': 1e-9, '"': -0, __proto__x: 1 } }),
      aPrediction({ scores: JSON.parse('{"__proto__": 0.5, "constructor": 0.5}') }),
      aPrediction({ text: 'Latin-1 only: café, naïve, ÿ\u0080' }), // copied a byte per character
      aPrediction({ text: 'wider: Ā – 📬 and a lone \ud800 surrogate' }), // copied as UTF-16
    ];
    for (const record of awkward) {
      const ring = CaptureRing.create(64 * 1024);
      expect(ring.write(record)).toBe('written');
      expect(drain(ring)).toEqual([record]);
    }
  });

  it('gives back every field of what was written, whatever the prediction (property)', () => {
    const anyPrediction = fc.record({
      id: fc.string({ minLength: 1, maxLength: 40 }),
      model: fc.string({ minLength: 1, maxLength: 20 }),
      modelVersion: fc.string({ minLength: 1, maxLength: 40 }),
      variant: fc.constantFrom('champion' as const, 'canary' as const, 'shadow' as const),
      text: fc.string({ unit: 'binary', maxLength: 300 }),
      label: fc.string({ minLength: 1, maxLength: 20 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      scores: fc.dictionary(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      userKey: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }),
      servedPredictionId: fc.option(fc.uuid(), { nil: null }),
      latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 8 })),
      createdAt: fc.integer({ min: 0, max: 2 ** 48 }),
    });
    fc.assert(
      fc.property(anyPrediction, (record) => {
        const ring = CaptureRing.create(64 * 1024);
        expect(ring.write(record)).toBe('written');
        expect(drain(ring)).toEqual([record]);
      }),
    );
  });

  it('wraps around its end many times without losing or mangling a prediction', () => {
    const ring = CaptureRing.create(8 * 1024);
    const written: PredictionRecord[] = [];
    const read: PredictionRecord[] = [];
    for (let n = 0; n < 2_000; n++) {
      const record = prediction(n);
      if (ring.write(record) === 'full') {
        read.push(...drain(ring));
        expect(ring.write(record)).toBe('written');
      }
      written.push(record);
    }
    read.push(...drain(ring));
    expect(read).toEqual(written);
    expect(ring.queued).toBe(0);
    expect(ring.captured).toBe(2_000);
  });

  it('refuses a prediction when the space left cannot hold it, and takes it again once freed', () => {
    const ring = CaptureRing.create(4 * 1024);
    let accepted = 0;
    while (ring.write(prediction(accepted)) === 'written') accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(ring.queued).toBe(accepted);
    drain(ring);
    expect(ring.write(prediction(accepted))).toBe('written');
  });

  it('refuses outright a prediction more than half its size, which even an empty ring may not hold', () => {
    const ring = CaptureRing.create(4 * 1024);
    expect(ring.write(prediction(1, { text: 'x'.repeat(400) }))).toBe('written');
    expect(ring.write(prediction(2, { text: 'x'.repeat(2_100) }))).toBe('too_large');
    expect(ring.queued).toBe(1);
  });

  it('keeps a batch until it is released: a second reader of the same memory starts where the first stopped', () => {
    const producer = CaptureRing.create(64 * 1024);
    for (let n = 0; n < 10; n++) producer.write(prediction(n));
    const firstThread = new CaptureRing(producer.shared);
    const written = firstThread.peek(4, 1 << 20);
    firstThread.release(written, 'captured');
    firstThread.peek(4, 1 << 20); // read, then the thread dies before the store has it

    const nextThread = new CaptureRing(producer.shared);
    const again = nextThread.peek(100, 1 << 20);
    expect(again.records.map((r) => r.id)).toEqual(['p-4', 'p-5', 'p-6', 'p-7', 'p-8', 'p-9']);
    nextThread.release(again, 'store_error');
    expect([producer.queued, producer.captured, producer.storeErrors]).toEqual([0, 4, 6]);
  });

  it('splits batches by rows and by text size, but always takes at least one prediction', () => {
    const ring = CaptureRing.create(64 * 1024);
    for (let n = 0; n < 5; n++) ring.write(prediction(n, { text: 'y'.repeat(1_000) }));
    expect(ring.peek(3, 1 << 20).records).toHaveLength(3);
    expect(ring.peek(10, 2_500).records).toHaveLength(2);
    expect(ring.peek(10, 10).records).toHaveLength(1);
  });

  it('counts what it discards as store errors', () => {
    const ring = CaptureRing.create(64 * 1024);
    for (let n = 0; n < 3; n++) ring.write(prediction(n));
    expect(ring.discardAll()).toBe(3);
    expect([ring.queued, ring.storeErrors]).toEqual([0, 3]);
    expect(ring.write(prediction(3))).toBe('written');
    expect(drain(ring).map((r) => r.id)).toEqual(['p-3']);
  });
});
