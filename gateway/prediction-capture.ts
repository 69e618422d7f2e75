import type { Logger } from 'pino';
import type { PredictionRecord } from '../core/capture/records.ts';

export type DropReason = 'queue_full' | 'store_error' | 'closed';

export interface CaptureStats {
  /** Predictions held right now, waiting for (or being written to) the store. */
  queued: number;
  /** Most predictions it holds; more are dropped and counted as `queue_full`. */
  maxQueued: number;
  /** The store does not answer right now: what capture holds waits for it (an outage, not a slow store). */
  storeAway: boolean;
  /** Predictions the store accepted. */
  captured: number;
  dropped: Record<DropReason, number>;
}

/**
 * How the gateway hands served predictions to the store, off the request path. Two implementations:
 * CaptureBuffer writes from the event loop through a PredictionSink (tests, embedded tools);
 * ThreadedCapture copies each prediction into shared memory for a writer thread (`runGateway`).
 */
export interface PredictionCapture {
  /**
   * Takes a prediction for the store without waiting; false when it was refused at once (full or
   * closed). One taken can still be counted as dropped later (a store that keeps failing, or a
   * prediction too large for ThreadedCapture's ring), never silently.
   */
  enqueue(record: PredictionRecord): boolean;
  stats(): CaptureStats;
  /** Resolves once every prediction taken so far is in the store or counted as dropped. */
  flush(): Promise<void>;
  /** Stops taking predictions and writes every one already taken. */
  close(): Promise<void>;
}

/**
 * Predictions dropped, by reason: counted for /metrics and logged one line per reason and report, not
 * one per prediction, so that overload cannot flood the log.
 */
export class DropLedger {
  readonly #total: Record<DropReason, number> = { queue_full: 0, store_error: 0, closed: 0 };
  readonly #unreported: Record<DropReason, number> = { queue_full: 0, store_error: 0, closed: 0 };

  count(reason: DropReason, predictions: number): void {
    this.#total[reason] += predictions;
    this.#unreported[reason] += predictions;
  }

  totals(): Record<DropReason, number> {
    return { ...this.#total };
  }

  /** Logs what was dropped since the last report. */
  report(log: Logger): void {
    for (const reason of Object.keys(this.#unreported) as DropReason[]) {
      const count = this.#unreported[reason];
      if (count === 0) continue;
      this.#unreported[reason] = 0;
      log.warn(
        { reason, dropped: count, droppedTotal: this.#total[reason] },
        `capture: dropped ${count} predictions (${reason})`,
      );
    }
  }
}
