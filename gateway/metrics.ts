import type { FeedbackKind, Variant } from '../core/capture/records.ts';
import type { CaptureStats, DropReason } from './prediction-capture.ts';
import { Counter, Histogram, renderExposition, Sampled } from './prometheus.ts';

/** Seconds; fine below a millisecond, where a classifier on a warm cache answers. */
const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The metrics `GET /metrics` exposes. */
export class GatewayMetrics {
  readonly #requests = new Counter(
    'flywheel_gateway_requests_total',
    'HTTP requests answered, by route template, method and status code.',
  );
  readonly #latency = new Histogram(
    'flywheel_gateway_request_duration_seconds',
    'Time from receiving a request to sending its response, by route template.',
    LATENCY_BUCKETS,
  );
  readonly #predictions = new Counter(
    'flywheel_gateway_predictions_total',
    'Predictions made, by model and variant (shadow predictions are made but never returned).',
  );
  readonly #feedback = new Counter(
    'flywheel_gateway_feedback_total',
    'Feedback received, by kind and outcome (recorded, or duplicate of a feedback id already recorded).',
  );
  readonly #shadowSkipped = new Counter(
    'flywheel_gateway_shadow_skipped_total',
    'Shadow predictions not made, by model and reason: failed (the candidate could not load or predict), overloaded (too many waiting).',
  );
  readonly #all;

  constructor(capture: () => CaptureStats) {
    this.#all = [
      this.#requests,
      this.#latency,
      this.#predictions,
      new Sampled(
        'flywheel_gateway_capture_queue_depth',
        'Predictions held in memory waiting for (or being written to) the store.',
        'gauge',
        () => [{ value: capture().queued }],
      ),
      new Sampled('flywheel_gateway_captured_total', 'Predictions written to the store.', 'counter', () => [
        { value: capture().captured },
      ]),
      new Sampled(
        'flywheel_gateway_capture_dropped_total',
        'Predictions never written to the store, by reason: queue_full (buffer bound reached), store_error (retries exhausted), closed (arrived after shutdown began).',
        'counter',
        () =>
          Object.entries(capture().dropped).map(([reason, value]) => ({
            labels: { reason: reason as DropReason },
            value,
          })),
      ),
      this.#feedback,
      this.#shadowSkipped,
    ];
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method, status: String(status) });
    this.#latency.observe({ route }, seconds);
  }

  countPrediction(model: string, variant: Variant): void {
    this.#predictions.inc({ model, variant });
  }

  countFeedback(kind: FeedbackKind, outcome: 'recorded' | 'duplicate'): void {
    this.#feedback.inc({ kind, outcome });
  }

  countShadowSkipped(model: string, reason: 'failed' | 'overloaded'): void {
    this.#shadowSkipped.inc({ model, reason });
  }

  render(): string {
    return renderExposition(this.#all);
  }
}
