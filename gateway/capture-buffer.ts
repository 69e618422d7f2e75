import type { Logger } from 'pino';
import type { PredictionRecord } from '../core/capture/records.ts';
import { type RetryPace, writeBatchWithRetries } from './batch-retries.ts';
import { type CaptureStats, DropLedger, type PredictionCapture } from './prediction-capture.ts';

/** Where flushed batches go: the store's prediction repository fits. */
export interface PredictionSink {
  /** Inserts a batch; ids already present are skipped, so a retried batch is harmless. */
  insertMany(rows: readonly PredictionRecord[]): Promise<void>;
}

export interface CaptureBufferOptions extends RetryPace {
  /** Most predictions held in memory (waiting or being written); more are dropped and counted. */
  maxQueued: number;
  /** Most rows written in one store call. */
  batchSize: number;
  /**
   * Most text (characters) written in one store call. The embedded store writes synchronously, so a
   * batch is time the event loop cannot answer requests: small batches keep that pause short.
   */
  maxBatchChars: number;
  /** A partial batch waits at most this long before it is written. */
  flushIntervalMs: number;
}

export const DEFAULT_CAPTURE_OPTIONS: CaptureBufferOptions = {
  maxQueued: 20_000,
  batchSize: 64,
  maxBatchChars: 128 * 1024,
  flushIntervalMs: 200,
  maxAttempts: 3,
  retryDelayMs: 100,
};

/**
 * Captures predictions off the request path, writing from this event loop: `enqueue` never waits,
 * batches are written by a timer or as soon as a batch is full, one store call at a time. Nothing is
 * lost silently: what does not fit, or what the store refuses after bounded retries, is counted by
 * reason and logged.
 */
export class CaptureBuffer implements PredictionCapture {
  readonly #sink: PredictionSink;
  readonly #log: Logger;
  readonly #options: CaptureBufferOptions;
  /** In arrival order; the batch being written is always its first rows. */
  readonly #pending: PredictionRecord[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #drops = new DropLedger();
  #captured = 0;
  /** Predictions taken and since written or dropped by the store: the first `#settled` ever taken. */
  #settled = 0;
  /** Partial batches are written until `#settled` reaches this (a flush, or the timer, asked). */
  #drainUntil = 0;
  /** Flushes waiting for `#settled` to reach their target. */
  #flushes: Array<{ target: number; resolve: () => void }> = [];
  #writing = false;
  #closed = false;

  constructor(sink: PredictionSink, log: Logger, options: Partial<CaptureBufferOptions> = {}) {
    this.#sink = sink;
    this.#log = log;
    this.#options = { ...DEFAULT_CAPTURE_OPTIONS, ...options };
    if (this.#options.batchSize < 1 || this.#options.maxQueued < 1 || this.#options.maxAttempts < 1) {
      throw new Error('capture buffer: batchSize, maxQueued and maxAttempts must be at least 1');
    }
    this.#timer = setInterval(() => this.#onTick(), this.#options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Queues a prediction for the store; false when it was dropped (buffer full or closed). */
  enqueue(record: PredictionRecord): boolean {
    if (this.#closed) {
      this.#drops.count('closed', 1);
      return false;
    }
    if (this.#pending.length >= this.#options.maxQueued) {
      this.#drops.count('queue_full', 1);
      return false;
    }
    this.#pending.push(record);
    if (this.#pending.length >= this.#options.batchSize && !this.#writing) this.#startWriting();
    return true;
  }

  stats(): CaptureStats {
    return {
      queued: this.#pending.length,
      maxQueued: this.#options.maxQueued,
      // Written from this event loop with bounded attempts: a store that does not answer fails its
      // batches (counted), it is never waited out.
      storeAway: false,
      captured: this.#captured,
      dropped: this.#drops.totals(),
    };
  }

  /** Writes everything queued so far before resolving (what arrives meanwhile does not hold it up). */
  async flush(): Promise<void> {
    const target = this.#drain();
    if (this.#settled >= target) return;
    const settled = new Promise<void>((resolve) => this.#flushes.push({ target, resolve }));
    if (!this.#writing) this.#startWriting();
    await settled;
  }

  /** Stops taking predictions and writes every one already taken. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
    this.#drops.report(this.#log);
  }

  #onTick(): void {
    this.#drops.report(this.#log);
    if (this.#pending.length === 0) return;
    this.#drain();
    if (!this.#writing) this.#startWriting();
  }

  /** Asks for everything queued now to be written, partial batches included; returns the target. */
  #drain(): number {
    this.#drainUntil = Math.max(this.#drainUntil, this.#settled + this.#pending.length);
    return this.#drainUntil;
  }

  #startWriting(): void {
    this.#writing = true;
    this.#writeBatches().catch((err) => this.#log.error({ err }, 'capture: the batch writer failed'));
  }

  async #writeBatches(): Promise<void> {
    try {
      // Never write inside the request that filled the batch, and let requests in between batches.
      await yieldToEventLoop();
      while (
        this.#pending.length >= this.#options.batchSize ||
        (this.#pending.length > 0 && (this.#closed || this.#settled < this.#drainUntil))
      ) {
        const batch = this.#nextBatch();
        const written = await writeBatchWithRetries(
          () => this.#sink.insertMany(batch),
          this.#options,
          ({ level, message, attempt, error }) =>
            this.#log[level]({ err: error, rows: batch.length, attempt }, message),
        );
        this.#pending.splice(0, batch.length);
        this.#settled += batch.length;
        if (written) this.#captured += batch.length;
        else this.#drops.count('store_error', batch.length);
        for (const flush of this.#flushes) if (flush.target <= this.#settled) flush.resolve();
        this.#flushes = this.#flushes.filter((flush) => flush.target > this.#settled);
        await yieldToEventLoop();
      }
    } finally {
      // In the same step as the last check: a flush that comes after it finds no writer and starts one.
      this.#writing = false;
    }
  }

  #nextBatch(): PredictionRecord[] {
    const batch: PredictionRecord[] = [];
    let chars = 0;
    for (const record of this.#pending) {
      chars += record.text.length;
      if (batch.length > 0 && chars > this.#options.maxBatchChars) break;
      batch.push(record);
      if (batch.length === this.#options.batchSize) break;
    }
    return batch;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
