import type { CaptureStats } from './prediction-capture.ts';

/** Share of the capture queue's bound past which new predictions are refused while the store keeps up slowly. */
export const CAPTURE_BACKLOG_MARK = 0.9;

/**
 * Whether capture is falling behind a store that answers: it holds at least `CAPTURE_BACKLOG_MARK` of
 * its bound while its store takes writes. Then the gateway serves faster than its capture writes (a
 * writer thread starved of cpu by the requests themselves, a slow store): serving more would only drop
 * what it serves from capture, so new predictions are refused with 503 and served = captured holds. A
 * store that does not answer (stopped, restarting) is not this case: predictions are still served and
 * held, and what does not fit is dropped and counted, so that a store outage is not a serving outage.
 *
 * The margin left (10% of the bound) absorbs the predictions of requests already past the check; a
 * bound smaller than ten times what is in flight (shadow predictions count twice) can still drop some.
 */
export function captureFallingBehind(stats: CaptureStats): boolean {
  return !stats.storeAway && stats.queued >= CAPTURE_BACKLOG_MARK * stats.maxQueued;
}
