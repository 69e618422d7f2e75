import type { Logger } from 'pino';
import type { GatewayMetrics } from './metrics.ts';
import type { ModelCache } from './model-cache.ts';
import type { PredictionCapture } from './prediction-capture.ts';
import { type PredictionInput, predictAndDescribe } from './prediction-record.ts';

const FAILURE_LOG_INTERVAL_MS = 10_000;
/** Shadow predictions waiting to run; past this, new ones are skipped (and counted) rather than queued. */
export const DEFAULT_MAX_PENDING_SHADOWS = 1_000;

/**
 * Runs the candidate beside the champion after the served response is on its way: the shadow answer is
 * captured (variant "shadow", pointing at the served prediction) and never returned, and its cost never
 * lands on the served request's latency. Shadow work is extra work: when the gateway falls behind, new
 * shadow predictions are skipped and counted rather than queued without bound.
 */
export class ShadowRunner {
  readonly #models: ModelCache;
  readonly #capture: PredictionCapture;
  readonly #metrics: GatewayMetrics;
  readonly #log: Logger;
  readonly #running = new Set<Promise<void>>();
  /** When a failure was last logged, per version: a broken candidate must not flood the log. */
  readonly #lastFailureLog = new Map<string, number>();

  readonly #maxPending: number;

  constructor(
    models: ModelCache,
    capture: PredictionCapture,
    metrics: GatewayMetrics,
    log: Logger,
    maxPending = DEFAULT_MAX_PENDING_SHADOWS,
  ) {
    this.#models = models;
    this.#capture = capture;
    this.#metrics = metrics;
    this.#log = log;
    this.#maxPending = maxPending;
  }

  schedule(versionId: string, input: PredictionInput, servedPredictionId: string): void {
    if (this.#running.size >= this.#maxPending) {
      this.#metrics.countShadowSkipped(input.model, 'overloaded');
      return;
    }
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#models.get(versionId))
      .then((loaded) => predictAndDescribe(loaded, input, 'shadow', servedPredictionId))
      .then((shadow) => {
        this.#capture.enqueue(shadow);
        this.#metrics.countPrediction(input.model, 'shadow');
      })
      .catch((err: unknown) => {
        this.#metrics.countShadowSkipped(input.model, 'failed');
        const now = Date.now();
        if (now - (this.#lastFailureLog.get(versionId) ?? 0) < FAILURE_LOG_INTERVAL_MS) return;
        this.#lastFailureLog.set(versionId, now);
        this.#log.warn(
          { err, model: input.model, versionId },
          'shadow prediction failed (counted in flywheel_gateway_shadow_skipped_total; logged at most every 10 s)',
        );
      })
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /** Resolves once every scheduled shadow prediction has been made (or has failed). */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
