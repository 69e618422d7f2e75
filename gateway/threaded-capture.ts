import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { StoreConfig } from '../adapters/store/open-store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import { NO_REDACTION, type RedactionPolicy } from '../core/privacy/redaction-policy.ts';
import { CaptureRing } from './capture-ring.ts';
import type { WriterPace, WriterReport, WriterRequest, WriterSetup } from './capture-writer-thread.ts';
import { wholeNumberSetting } from './environment-setting.ts';
import { type CaptureStats, DropLedger, type PredictionCapture } from './prediction-capture.ts';
import { startStrippedThread } from './stripped-thread.ts';
import { assertWriterScheduling, type WriterScheduling } from './writer-scheduling.ts';

export interface ThreadedCaptureOptions extends WriterPace, WriterScheduling {
  /** Most predictions held (in the ring, or waiting for room in it); more are dropped and counted. */
  maxQueued: number;
  /**
   * Size of the ring shared with the writer thread, in bytes. Small enough to stay in the cpu's
   * caches while the writer keeps up; when the store falls behind and it fills, predictions wait on
   * the heap for room, up to `maxQueued`.
   */
  ringBytes: number;
  /** Which redactors the writer thread runs on each text before storing it. */
  redaction: RedactionPolicy;
}

export const DEFAULT_THREADED_CAPTURE_OPTIONS: ThreadedCaptureOptions = {
  maxQueued: 20_000,
  ringBytes: 8 * 1024 * 1024,
  batchSize: 256,
  maxBatchBytes: 2 * 1024 * 1024,
  pollIntervalMs: 20,
  flushIntervalMs: 200,
  writerNice: 19,
  writerIdle: true,
  maxAttempts: 3,
  retryDelayMs: 100,
  redaction: NO_REDACTION,
};

/**
 * FLYWHEEL_GATEWAY_CAPTURE_QUEUE: the most predictions capture holds while the store is slower than the
 * traffic or away (`maxQueued`); unset keeps the default. Each one held costs the gateway its text and
 * about 1 KB more (0.85 KB measured for a record with a short text): size it by how long an outage it
 * should outlast at the traffic of the moment, and by the memory the gateway has.
 */
export function captureQueueFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  return wholeNumberSetting(
    env,
    'FLYWHEEL_GATEWAY_CAPTURE_QUEUE',
    DEFAULT_THREADED_CAPTURE_OPTIONS.maxQueued,
    1,
  );
}

/**
 * Captures predictions through a writer thread with its own store connection, as `runGateway` does.
 * The embedded store writes synchronously: on the event loop, a batch (and worse, a WAL checkpoint's
 * fsync, or waiting out another process's write lock) would stall every request in flight. Here the
 * event loop only copies each prediction into a shared ring (capture-ring.ts), and the thread does the
 * rest: nothing is cloned into the thread, and a record stays on the event loop's heap only until the
 * end of its turn of the loop, or, while the store is slower than the traffic, until the ring has room.
 * Copying a turn's predictions together, after its requests are answered, keeps that code and the
 * ring's memory warm in the cpu's caches: a request pays about half what copying it alone would.
 *
 * A thread that dies loses nothing: the predictions it had not written are still in the ring, and a new
 * thread takes over. After `maxAttempts` threads in a row fail without writing anything (a store that
 * cannot be opened), what the ring holds is dropped and counted as store errors, and the next
 * prediction starts a new thread.
 */
export class ThreadedCapture implements PredictionCapture {
  readonly #store: StoreConfig;
  readonly #log: Logger;
  readonly #options: ThreadedCaptureOptions;
  readonly #ring: CaptureRing;
  readonly #drops = new DropLedger();
  readonly #timer: NodeJS.Timeout;
  readonly #flushes = new Map<number, () => void>();
  /** Taken, not yet in the ring: copied at the end of this turn of the event loop, or once there is room. */
  #waiting: PredictionRecord[] = [];
  /** Predictions taken since the start; each ends up captured or counted as dropped. */
  #taken = 0;
  /** Taken predictions dropped before reaching the ring (no writer thread could write). */
  #droppedWaiting = 0;
  #roomTimer: NodeJS.Timeout | null = null;
  #nextFlushId = 1;
  #worker: Worker | null = null;
  #restart: NodeJS.Timeout | null = null;
  /** Threads in a row that ended without writing anything. */
  #failures = 0;
  #closed = false;
  /** The writer thread waits for a store that does not answer (see CaptureStats.storeAway). */
  #storeAway = false;

  constructor(store: StoreConfig, log: Logger, options: Partial<ThreadedCaptureOptions> = {}) {
    this.#store = { dataDir: store.dataDir, databaseUrl: store.databaseUrl };
    this.#log = log;
    this.#options = { ...DEFAULT_THREADED_CAPTURE_OPTIONS, ...options };
    const { batchSize, maxQueued, maxAttempts } = this.#options;
    if (batchSize < 1 || maxQueued < 1 || maxAttempts < 1) {
      throw new Error('threaded capture: batchSize, maxQueued and maxAttempts must be at least 1');
    }
    assertWriterScheduling(this.#options);
    this.#ring = CaptureRing.create(this.#options.ringBytes);
    this.#timer = setInterval(() => this.#drops.report(this.#log), this.#options.flushIntervalMs);
    this.#timer.unref();
    this.#start();
  }

  enqueue(record: PredictionRecord): boolean {
    if (this.#closed) {
      this.#drops.count('closed', 1);
      return false;
    }
    if (this.#ring.queued + this.#waiting.length >= this.#options.maxQueued) {
      this.#drops.count('queue_full', 1);
      return false;
    }
    this.#waiting.push(record);
    this.#taken++;
    if (this.#waiting.length === 1 && !this.#roomTimer) setImmediate(this.#copyWaiting);
    return true;
  }

  stats(): CaptureStats {
    const drops = this.#drops.totals();
    return {
      queued: this.#ring.queued + this.#waiting.length,
      maxQueued: this.#options.maxQueued,
      storeAway: this.#storeAway,
      captured: this.#ring.captured,
      dropped: { ...drops, store_error: drops.store_error + this.#ring.storeErrors },
    };
  }

  async flush(): Promise<void> {
    const taken = this.#taken;
    while (this.#settled() < taken) {
      this.#copyWaiting();
      await this.#flushRing();
    }
  }

  /** Copies waiting predictions into the ring while it has room; looks again later if it fills. */
  readonly #copyWaiting = (): void => {
    const waiting = this.#waiting;
    let copied = 0;
    for (; copied < waiting.length; copied++) {
      const outcome = this.#ring.write(waiting[copied]!);
      if (outcome === 'full') break;
      if (outcome === 'too_large') {
        this.#drops.count('queue_full', 1);
        this.#droppedWaiting++;
      }
    }
    this.#waiting = copied === waiting.length ? [] : waiting.slice(copied);
    if (copied > 0 && !this.#worker && !this.#restart) this.#start();
    if (this.#waiting.length > 0 && !this.#roomTimer) {
      this.#roomTimer = setTimeout(() => {
        this.#roomTimer = null;
        this.#copyWaiting();
      }, this.#options.pollIntervalMs);
      this.#roomTimer.unref();
    }
  };

  /** Resolves once the writer thread has released what the ring holds now. */
  #flushRing(): Promise<void> {
    if (this.#ring.queued === 0) return Promise.resolve();
    const id = this.#nextFlushId++;
    return new Promise<void>((resolve) => {
      this.#flushes.set(id, resolve);
      if (this.#worker) this.#post({ type: 'flush', id });
      else if (!this.#restart) this.#start();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
    if (this.#roomTimer) clearTimeout(this.#roomTimer);
    if (this.#restart) clearTimeout(this.#restart);
    this.#restart = null;
    const worker = this.#worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      this.#post({ type: 'close' });
      await exited;
    }
    this.#drops.report(this.#log);
  }

  #start(): void {
    this.#restart = null;
    const { writerNice, writerIdle, redaction, ...pace } = this.#options;
    const setup: WriterSetup = {
      store: this.#store,
      ring: this.#ring.shared,
      pace,
      scheduling: { writerNice, writerIdle },
      redaction,
    };
    // Named so that it shows as "capture-writer" in `top -H` and /proc/<pid>/task/*/comm.
    const worker = startStrippedThread(new URL('./capture-writer-thread.ts', import.meta.url), {
      workerData: setup,
      name: 'capture-writer',
    });
    const releasedBefore = this.#released();
    worker.on('message', (report: WriterReport) => {
      if (report.type === 'flushed') {
        this.#flushes.get(report.id)?.();
        this.#flushes.delete(report.id);
        return;
      }
      if (report.type === 'store') {
        this.#storeAway = report.away;
        return;
      }
      this.#log[report.level](
        { err: report.error, rows: report.rows, attempt: report.attempt },
        report.message,
      );
    });
    worker.on('error', (error) => this.#log.error({ err: error }, 'capture writer thread failed'));
    worker.on('exit', () => {
      this.#worker = null;
      // Only a thread reports the store away or back: the next one reports again if it is still away.
      this.#storeAway = false;
      if (this.#closed && this.#flushes.size === 0) return;
      this.#failures = this.#released() > releasedBefore ? 1 : this.#failures + 1;
      if (this.#failures >= this.#options.maxAttempts) {
        this.#giveUp();
        return;
      }
      // A store that cannot be opened now may be back in a moment: wait a little longer each time.
      const wait = this.#options.retryDelayMs * 2 ** (this.#failures - 1);
      this.#restart = setTimeout(() => this.#start(), wait);
    });
    this.#worker = worker;
    // Flushes asked of a thread that has died are asked again of this one.
    for (const id of this.#flushes.keys()) this.#post({ type: 'flush', id });
  }

  /** Drops every prediction held after `maxAttempts` failed threads, and lets every flush return. */
  #giveUp(): void {
    this.#failures = 0;
    const waiting = this.#waiting.length;
    this.#waiting = [];
    this.#drops.count('store_error', waiting);
    this.#droppedWaiting += waiting;
    const dropped = this.#ring.discardAll() + waiting;
    if (dropped > 0) {
      this.#log.error(
        { rows: dropped, attempts: this.#options.maxAttempts },
        'capture: no writer thread could write to the store; dropping the predictions it held',
      );
    }
    for (const resolve of this.#flushes.values()) resolve();
    this.#flushes.clear();
  }

  #released(): number {
    return this.#ring.captured + this.#ring.storeErrors;
  }

  /** Taken predictions now in the store or dropped. */
  #settled(): number {
    return this.#released() + this.#droppedWaiting;
  }

  #post(request: WriterRequest): void {
    this.#worker?.postMessage(request);
  }
}
