/** How a failed store write of a batch of captured predictions is retried. */
export interface RetryPace {
  /** Store calls tried per batch before it is dropped (and counted). */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs: number;
}

/**
 * Failures worth waiting out rather than counting as attempts: the store unreachable (stopped,
 * restarting). The batch is tried again, at most `maxDelayMs` apart, for as long as `waitFor` says so;
 * meanwhile the capture queue holds what arrives, and overflows (counted) only if the outage outlasts it.
 */
export interface OutageWait {
  waitFor(error: unknown): boolean;
  maxDelayMs: number;
  /** Told when a wait begins (`true`) and when the store answers again (`false`). */
  onStoreAway?(away: boolean): void;
}

/** One failed attempt, as the log should tell it; `level: 'error'` when the batch is given up. */
export interface WriteFailure {
  level: 'info' | 'warn' | 'error';
  message: string;
  attempt: number;
  error: unknown;
}

/**
 * Writes one batch, retrying with a doubling wait; true once written, false when every attempt
 * failed. Each failure is handed to `report`, so the caller logs it where its log is. With `outage`, a
 * failure it recognises is reported once when the wait begins and once when the store answers again.
 */
export async function writeBatchWithRetries(
  write: () => Promise<void>,
  pace: RetryPace,
  report: (failure: WriteFailure) => void,
  outage?: OutageWait,
): Promise<boolean> {
  let waitingSince: number | null = null;
  let waits = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      if (waitingSince !== null) {
        outage?.onStoreAway?.(false);
        const seconds = ((Date.now() - waitingSince) / 1000).toFixed(1);
        report({
          level: 'info',
          message: `capture: the store answers again after ${seconds} s; writing the predictions held`,
          attempt,
          error: null,
        });
      }
      return true;
    } catch (error) {
      if (outage?.waitFor(error)) {
        if (waitingSince === null) {
          waitingSince = Date.now();
          outage.onStoreAway?.(true);
          report({
            level: 'warn',
            message: 'capture: the store is unreachable; holding predictions until it answers',
            attempt,
            error,
          });
        }
        // Not an attempt of this batch: the store never saw it.
        attempt--;
        waits++;
        await pause(Math.min(outage.maxDelayMs, pace.retryDelayMs * 2 ** Math.min(waits - 1, 20)));
        continue;
      }
      if (attempt >= pace.maxAttempts) {
        report({
          level: 'error',
          message: 'capture: the store refused a batch of predictions; dropping it',
          attempt,
          error,
        });
        return false;
      }
      report({ level: 'warn', message: 'capture: store write failed; retrying', attempt, error });
      await pause(pace.retryDelayMs * 2 ** (attempt - 1));
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
