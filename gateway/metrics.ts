import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, processMetricsRegistry } from '../adapters/metrics/process-registry.ts';
import type { FeedbackKind, Variant } from '../core/capture/records.ts';
import type { CaptureStats } from './prediction-capture.ts';

/** The metrics `GET /metrics` exposes: the gateway's own and the process's (see process-registry.ts). */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #latency: Histogram<'route'>;
  readonly #predictions: Counter<'model' | 'variant'>;
  readonly #feedback: Counter<'kind' | 'outcome'>;
  readonly #shadowSkipped: Counter<'model' | 'reason'>;

  constructor(capture: () => CaptureStats) {
    const registry = processMetricsRegistry();
    const registers = [registry];
    this.registry = registry;
    this.#requests = new Counter({
      name: 'flywheel_gateway_requests_total',
      help: 'HTTP requests answered, by route template, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'flywheel_gateway_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by route template.',
      labelNames: ['route'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.#predictions = new Counter({
      name: 'flywheel_gateway_predictions_total',
      help: 'Predictions made, by model and variant (shadow predictions are made but never returned).',
      labelNames: ['model', 'variant'],
      registers,
    });
    // Capture keeps its own counts; these read them when scraped.
    new Gauge({
      name: 'flywheel_gateway_capture_queue_depth',
      help: 'Predictions held in memory waiting for (or being written to) the store.',
      registers,
      collect() {
        this.set(capture().queued);
      },
    });
    new Counter({
      name: 'flywheel_gateway_captured_total',
      help: 'Predictions written to the store.',
      registers,
      collect() {
        this.reset();
        this.inc(capture().captured);
      },
    });
    new Counter({
      name: 'flywheel_gateway_capture_dropped_total',
      help: 'Predictions never written to the store, by reason: queue_full (buffer bound reached), store_error (retries exhausted), closed (arrived after shutdown began).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, value] of Object.entries(capture().dropped)) this.inc({ reason }, value);
      },
    });
    this.#feedback = new Counter({
      name: 'flywheel_gateway_feedback_total',
      help: 'Feedback received, by kind and outcome (recorded, or duplicate of feedback already recorded).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.#shadowSkipped = new Counter({
      name: 'flywheel_gateway_shadow_skipped_total',
      help: 'Shadow predictions not made, by model and reason: failed (the candidate could not load or predict), overloaded (too many waiting).',
      labelNames: ['model', 'reason'],
      registers,
    });
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

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
