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
  it('gives back every field of what was written, nulls and UTF-8 included', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.uuid(),
          text: fc.string({ unit: 'grapheme', maxLength: 300 }),
          userKey: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 })),
          servedPredictionId: fc.option(fc.uuid()),
          metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 8 })),
          confidence: fc.double({ min: 0, max: 1, noNaN: true }),
          latencyMs: fc.double({ min: 0, max: 1e4, noNaN: true }),
          variant: fc.constantFrom('champion' as const, 'canary' as const, 'shadow' as const),
        }),
        (fields) => {
          const ring = CaptureRing.create(64 * 1024);
          const record = aPrediction(fields);
          expect(ring.write(record)).toBe(true);
          expect(drain(ring)).toEqual([record]);
        },
      ),
    );
  });

  it('wraps around its end many times without losing or mangling a prediction', () => {
    const ring = CaptureRing.create(8 * 1024);
    const written: PredictionRecord[] = [];
    const read: PredictionRecord[] = [];
    for (let n = 0; n < 2_000; n++) {
      const record = prediction(n);
      if (!ring.write(record)) {
        read.push(...drain(ring));
        expect(ring.write(record)).toBe(true);
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
    while (ring.write(prediction(accepted))) accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(ring.queued).toBe(accepted);
    expect(ring.write(prediction(999, { text: 'x'.repeat(10_000) }))).toBe(false); // never fits
    drain(ring);
    expect(ring.write(prediction(accepted))).toBe(true);
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
    expect(ring.write(prediction(3))).toBe(true);
    expect(drain(ring).map((r) => r.id)).toEqual(['p-3']);
  });
});
