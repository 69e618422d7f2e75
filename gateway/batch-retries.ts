/** How a failed store write of a batch of captured predictions is retried. */
export interface RetryPace {
  /** Store calls tried per batch before it is dropped (and counted). */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs: number;
}

/** One failed attempt, as the log should tell it; `level: 'error'` when the batch is given up. */
export interface WriteFailure {
  level: 'warn' | 'error';
  message: string;
  attempt: number;
  error: unknown;
}

/**
 * Writes one batch, retrying with a doubling wait; true once written, false when every attempt
 * failed. Each failure is handed to `report`, so the caller logs it where its log is.
 */
export async function writeBatchWithRetries(
  write: () => Promise<void>,
  pace: RetryPace,
  report: (failure: WriteFailure) => void,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return true;
    } catch (error) {
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
      await new Promise((resolve) => setTimeout(resolve, pace.retryDelayMs * 2 ** (attempt - 1)));
    }
  }
}
