import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { PredictionRecord } from '../core/capture/records.ts';
import { capturingLogger } from '../test/support/capturing-logger.ts';
import { CaptureBuffer, type PredictionSink } from './capture-buffer.ts';

function record(n: number): PredictionRecord {
  return {
    id: `p-${n}`,
    model: 'spam',
    modelVersion: 'v1',
    variant: 'champion',
    text: `text ${n}`,
    label: 'ham',
    confidence: 0.9,
    scores: { ham: 0.9, spam: 0.1 },
    userKey: null,
    servedPredictionId: null,
    latencyMs: 0.1,
    metadata: {},
    createdAt: 0,
  };
}

class RecordingSink implements PredictionSink {
  batches: PredictionRecord[][] = [];
  failuresLeft = 0;
  delayMs = 0;
  async insertMany(rows: readonly PredictionRecord[]): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('store is down');
    }
    this.batches.push([...rows]);
  }
  get stored(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

const quiet = pino({ level: 'silent' });
const slowTimer = { flushIntervalMs: 60_000 };

describe('CaptureBuffer', () => {
  it('writes a full batch without waiting for the timer', async () => {
    const sink = new RecordingSink();
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, batchSize: 3 });
    for (let i = 0; i < 7; i++) expect(buffer.enqueue(record(i))).toBe(true);
    await vi.waitFor(() => expect(sink.stored).toBe(6));
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3]);
    expect(buffer.stats().queued).toBe(1);
    await buffer.close();
    expect(sink.stored).toBe(7);
    expect(buffer.stats()).toEqual({
      queued: 0,
      maxQueued: 20_000,
      storeAway: false,
      captured: 7,
      dropped: { queue_full: 0, store_error: 0, closed: 0 },
    });
  });

  it('keeps a batch under the text budget, so one store call stays short', async () => {
    const sink = new RecordingSink();
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, batchSize: 100, maxBatchChars: 20 });
    for (let i = 0; i < 5; i++) buffer.enqueue({ ...record(i), text: 'x'.repeat(8) });
    buffer.enqueue({ ...record(9), text: 'y'.repeat(50) });
    await buffer.close();
    expect(sink.batches.map((b) => b.length)).toEqual([2, 2, 1, 1]);
  });

  it('writes a partial batch when the timer fires', async () => {
    const sink = new RecordingSink();
    const buffer = new CaptureBuffer(sink, quiet, { flushIntervalMs: 20, batchSize: 100 });
    buffer.enqueue(record(1));
    buffer.enqueue(record(2));
    await vi.waitFor(() => expect(sink.stored).toBe(2));
    await buffer.close();
  });

  it('counts a prediction as queued until a flush has written it', async () => {
    const sink = new RecordingSink();
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, batchSize: 100 });
    buffer.enqueue(record(5));
    expect(buffer.stats()).toMatchObject({ queued: 1, captured: 0 });
    await buffer.flush();
    expect(buffer.stats()).toMatchObject({ queued: 0, captured: 1 });
    expect(sink.stored).toBe(1);
    await buffer.close();
  });

  it('returns from a flush once what came before it is written, while more keeps arriving', async () => {
    const sink = new RecordingSink();
    sink.delayMs = 20; // slower than arrivals: the buffer never empties while the stream runs
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, batchSize: 1 });
    for (let n = 0; n < 3; n++) buffer.enqueue(record(n));
    let next = 3;
    const stream = setInterval(() => buffer.enqueue(record(next++)), 2);
    const flushed = await Promise.race([
      buffer.flush().then(() => 'flushed'),
      new Promise((resolve) => setTimeout(() => resolve('still flushing'), 1_000)),
    ]);
    clearInterval(stream);
    expect(flushed).toBe('flushed');
    expect(sink.batches.flat().map((r) => r.id)).toEqual(expect.arrayContaining(['p-0', 'p-1', 'p-2']));
    expect(buffer.stats().queued).toBeGreaterThan(0);
    await buffer.close();
  });

  it('drops and counts what does not fit, and says so in the log', async () => {
    const sink = new RecordingSink();
    sink.delayMs = 50;
    const { log, lines } = capturingLogger();
    const buffer = new CaptureBuffer(sink, log, { ...slowTimer, batchSize: 2, maxQueued: 4 });
    const accepted = Array.from({ length: 10 }, (_, i) => buffer.enqueue(record(i))).filter(Boolean).length;
    expect(accepted).toBe(4);
    expect(buffer.stats().dropped.queue_full).toBe(6);
    await buffer.close();
    expect(sink.stored).toBe(4);
    expect(buffer.stats().captured).toBe(4);
    expect(lines.some((l) => l.reason === 'queue_full' && l.dropped === 6)).toBe(true);
  });

  it('retries a failed write, then succeeds without duplicates', async () => {
    const sink = new RecordingSink();
    sink.failuresLeft = 2;
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, maxAttempts: 3, retryDelayMs: 1 });
    buffer.enqueue(record(1));
    await buffer.close();
    expect(sink.batches).toHaveLength(1);
    expect(buffer.stats().captured).toBe(1);
    expect(buffer.stats().dropped.store_error).toBe(0);
  });

  it('counts a batch as dropped after the last attempt fails, with an error log line', async () => {
    const sink = new RecordingSink();
    sink.failuresLeft = 100;
    const { log, lines } = capturingLogger();
    const buffer = new CaptureBuffer(sink, log, { ...slowTimer, maxAttempts: 2, retryDelayMs: 1 });
    buffer.enqueue(record(1));
    buffer.enqueue(record(2));
    await buffer.close();
    expect(buffer.stats()).toMatchObject({ queued: 0, captured: 0, dropped: { store_error: 2 } });
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    expect(lines.some((l) => l.reason === 'store_error' && l.dropped === 2)).toBe(true);
  });

  it('counts predictions offered after close as dropped', async () => {
    const buffer = new CaptureBuffer(new RecordingSink(), quiet, slowTimer);
    await buffer.close();
    expect(buffer.enqueue(record(1))).toBe(false);
    expect(buffer.stats().dropped.closed).toBe(1);
  });

  it('close waits for everything, including what arrives while a batch is being written', async () => {
    const sink = new RecordingSink();
    sink.delayMs = 5;
    const buffer = new CaptureBuffer(sink, quiet, { ...slowTimer, batchSize: 10 });
    for (let i = 0; i < 25; i++) buffer.enqueue(record(i));
    const flushing = buffer.flush();
    for (let i = 25; i < 40; i++) buffer.enqueue(record(i));
    await flushing;
    await buffer.close();
    expect(sink.stored).toBe(40);
    expect(new Set(sink.batches.flat().map((r) => r.id)).size).toBe(40);
  });
});
