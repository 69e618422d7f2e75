import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { StoreConfig } from '../adapters/store/open-store.ts';
import { toPredictionFields } from '../core/capture/prediction-fields.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import type { CaptureBufferOptions, PredictionSink } from './capture-buffer.ts';
import type { WriterAnswer, WriterRequest } from './capture-writer-thread.ts';

/**
 * Capture-buffer pace for a threaded sink. The default 128 KB of text per batch keeps an event loop
 * that writes for itself from pausing long; a writer thread does not pause it, and fewer, larger
 * batches cost the event loop less per prediction.
 */
export const THREADED_CAPTURE_OPTIONS: Partial<CaptureBufferOptions> = {
  batchSize: 256,
  maxBatchChars: 2 * 1024 * 1024,
};

/**
 * Writes captured predictions from a worker thread with its own store connection. The embedded store
 * writes synchronously: on the gateway's event loop, a batch (and worse, a WAL checkpoint's fsync, or
 * waiting out another process's write lock) would stall every request in flight. In the thread, those
 * pauses cost the gateway nothing but the copy of each batch into the thread (as arrays, which copy
 * faster than objects: core/capture/prediction-fields.ts).
 *
 * A thread that dies fails the batches it held (the capture buffer retries them) and is started again
 * for the next batch.
 */
export class ThreadedPredictionSink implements PredictionSink {
  readonly #config: StoreConfig;
  readonly #log: Logger;
  readonly #waiting = new Map<
    number,
    { worker: Worker; resolve: () => void; reject: (error: Error) => void }
  >();
  #worker: Worker | null = null;
  #nextId = 1;
  #closed = false;

  constructor(config: StoreConfig, log: Logger) {
    this.#config = { dataDir: config.dataDir, databaseUrl: config.databaseUrl };
    this.#log = log;
  }

  insertMany(rows: readonly PredictionRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('capture writer thread is closed'));
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { worker, resolve, reject });
      worker.postMessage({ type: 'insert', id, rows: rows.map(toPredictionFields) } satisfies WriterRequest);
    });
  }

  /** Lets the thread finish what it holds, close its store connection and exit. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await exited;
  }

  #start(): Worker {
    // Named so that it shows as "capture-writer" in `top -H` and /proc/<pid>/task/*/comm.
    const worker = new Worker(new URL('./capture-writer-thread.ts', import.meta.url), {
      workerData: this.#config,
      name: 'capture-writer',
    });
    worker.on('message', (answer: WriterAnswer) => {
      const waiting = this.#waiting.get(answer.id);
      if (!waiting) return;
      this.#waiting.delete(answer.id);
      if (answer.ok) waiting.resolve();
      else waiting.reject(new Error(answer.message));
    });
    worker.on('error', (error) => {
      this.#log.error({ err: error }, 'capture writer thread failed');
      this.#failWaiting(worker, error);
    });
    worker.on('exit', (code) => {
      this.#failWaiting(worker, new Error(`capture writer thread exited (code ${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #failWaiting(worker: Worker, error: Error): void {
    if (this.#worker === worker) this.#worker = null;
    for (const [id, waiting] of this.#waiting) {
      if (waiting.worker !== worker) continue;
      this.#waiting.delete(id);
      waiting.reject(error);
    }
  }
}
