import { collectDefaultMetrics, Registry } from 'prom-client';

/** The Prometheus text format prom-client writes (version 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * A metrics registry of one's own with the process metrics every Node service exposes (CPU, memory,
 * heap, event-loop lag, GC, handles). Its own rather than prom-client's global one, so that two gateways
 * in one process (as in tests) do not count into each other.
 */
export function processMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The usual latency buckets (prom-client's defaults, 5 ms to 10 s) with the sub-millisecond ones a
 * warm classifier answers in below them.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
