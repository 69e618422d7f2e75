import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { captureFallingBehind } from './capture-backlog.ts';
import { wholeNumberSetting } from './environment-setting.ts';
import { type ErrorBody, GatewayError } from './errors.ts';
import type { CaptureStats } from './prediction-capture.ts';

export interface LoadSheddingOptions {
  /**
   * Most requests answered at the same time; one more is refused at once with `503` and `Retry-After`
   * instead of waiting behind the others. Every request in flight holds its body, its prediction and a
   * socket: the bound keeps memory and latency bounded when callers send more than the gateway can answer.
   */
  maxInFlight: number;
  /**
   * While the event loop runs later than this on average (ms, over the last measured window), new requests
   * are refused with `503` and `Retry-After`; 0 turns this off. Under pure CPU saturation each request is
   * answered within one turn of the loop, so the in-flight count stays near 0 while callers wait unseen in
   * the kernel's socket queues; how late the loop runs is what they wait.
   */
  maxEventLoopDelayMs: number;
  /** Seconds a refused caller is asked to wait before it retries (the `Retry-After` header). */
  retryAfterSeconds: number;
  /** Where the event-loop delay is read. Default: `monitoredEventLoopDelay()`, closed with the gateway. */
  eventLoopDelay?: EventLoopDelaySource;
}

/** How late the event loop runs lately, in milliseconds. */
export interface EventLoopDelaySource {
  delayMs(): number;
  close(): void;
}

/**
 * 256 requests: a prediction takes well under a millisecond of CPU, so a gateway with this many
 * requests open is already answering late; past it, more waiting only adds latency and memory
 * (256 × the 256 KiB body limit is 64 MiB at worst).
 *
 * 100 ms of event-loop delay: a healthy gateway's loop runs a few milliseconds late at most (a
 * prediction is sub-millisecond, garbage collection pauses are tens of milliseconds and the mean over a
 * window dilutes a single one); a loop 100 ms late on average for half a second means every request waits
 * that long before it is even read — a hundred times what answering it costs.
 */
export const DEFAULT_LOAD_SHEDDING: LoadSheddingOptions = {
  maxInFlight: 256,
  maxEventLoopDelayMs: 100,
  retryAfterSeconds: 1,
};

/** Paths never shed: an overloaded gateway is alive, and its metrics say why it sheds. */
const EXEMPT_PATHS = new Set(['/healthz', '/metrics']);

export type ShedReason = 'in_flight' | 'event_loop_delay' | 'capture_backlog';

/**
 * Why a new request is refused now, or undefined when it is accepted. The in-flight bound is checked
 * first. `captureFallingBehind` is asked of predictions only (feedback adds nothing to capture), and only
 * when nothing else refuses them.
 */
export function shedReason(
  load: { inFlight: number; eventLoopDelayMs: number; captureFallingBehind?: () => boolean },
  bounds: Pick<LoadSheddingOptions, 'maxInFlight' | 'maxEventLoopDelayMs'>,
): ShedReason | undefined {
  if (load.inFlight >= bounds.maxInFlight) return 'in_flight';
  if (bounds.maxEventLoopDelayMs > 0 && load.eventLoopDelayMs > bounds.maxEventLoopDelayMs) {
    return 'event_loop_delay';
  }
  if (load.captureFallingBehind?.()) return 'capture_backlog';
  return undefined;
}

/**
 * Reads FLYWHEEL_GATEWAY_MAX_IN_FLIGHT, FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS (positive integers) and
 * FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS (a whole number of ms, 0 or `off` to turn it off); what is
 * unset keeps its default. `loopSharedWithWorkers`: the gateway runs in the workers' process (`flywheel
 * dev`), where a training or evaluation step delays the loop without any traffic; there delay shedding
 * stays off unless the variable asks for it, so that training does not refuse predictions.
 */
export function loadSheddingFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  placement: { loopSharedWithWorkers?: boolean } = {},
): LoadSheddingOptions {
  return {
    maxInFlight: wholeNumberSetting(
      env,
      'FLYWHEEL_GATEWAY_MAX_IN_FLIGHT',
      DEFAULT_LOAD_SHEDDING.maxInFlight,
      1,
    ),
    maxEventLoopDelayMs: eventLoopDelayBound(
      env,
      placement.loopSharedWithWorkers ? 0 : DEFAULT_LOAD_SHEDDING.maxEventLoopDelayMs,
    ),
    retryAfterSeconds: wholeNumberSetting(
      env,
      'FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS',
      DEFAULT_LOAD_SHEDDING.retryAfterSeconds,
      1,
    ),
  };
}

function eventLoopDelayBound(env: NodeJS.ProcessEnv, fallback: number): number {
  const name = 'FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS';
  if (env[name]?.trim().toLowerCase() === 'off') return 0;
  return wholeNumberSetting(env, name, fallback, 0, ' (0 or "off" turns it off)');
}

/** How often the loop's lateness is sampled (ms): fine enough for delays of tens of ms. */
const SAMPLE_RESOLUTION_MS = 10;

/**
 * The mean event-loop delay over the last `windowMs`, from Node's own delay histogram. The histogram is
 * never reset (a reset drops the sample that spans it, which may be the long one): each window's mean is
 * the difference of the running totals. Node records the whole interval between samples, so the sampling
 * period is taken off. Its timers are unreferenced: they never keep a process alive.
 */
export function monitoredEventLoopDelay(windowMs = 500): EventLoopDelaySource {
  const histogram = monitorEventLoopDelay({ resolution: SAMPLE_RESOLUTION_MS });
  histogram.enable();
  let count = 0;
  let totalNs = 0;
  let delayMs = 0;
  const window = setInterval(() => {
    const newCount = histogram.count;
    const newTotalNs = histogram.mean * newCount;
    // No sample in a whole window: nothing new to say, the last reading stands.
    if (newCount > count) {
      const meanMs = (newTotalNs - totalNs) / (newCount - count) / 1e6;
      delayMs = Math.max(0, meanMs - SAMPLE_RESOLUTION_MS);
    }
    count = newCount;
    totalNs = newTotalNs;
  }, windowMs);
  window.unref();
  return {
    delayMs: () => delayMs,
    close() {
      clearInterval(window);
      histogram.disable();
    },
  };
}

/**
 * Counts requests from the moment they arrive (before their body is read) until their response is
 * finished or their connection closes, and refuses new ones past the in-flight bound, while the event
 * loop runs late, or (predictions only) while capture falls behind a store that still takes writes
 * (`captureStats`, see capture-backlog.ts). Refused requests cost no body parsing and are counted in
 * `flywheel_gateway_shed_total{reason}`.
 */
export function installLoadShedding(
  app: FastifyInstance,
  registry: Registry,
  options: Partial<LoadSheddingOptions> = {},
  captureStats?: () => CaptureStats,
): void {
  const bounds = { ...DEFAULT_LOAD_SHEDDING, ...options };
  const { maxInFlight, maxEventLoopDelayMs, retryAfterSeconds } = bounds;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new Error(`load shedding: maxInFlight must be a whole number of at least 1, got ${maxInFlight}`);
  }
  if (!Number.isFinite(maxEventLoopDelayMs) || maxEventLoopDelayMs < 0) {
    throw new Error(
      `load shedding: maxEventLoopDelayMs must be 0 (off) or a positive number of ms, got ${maxEventLoopDelayMs}`,
    );
  }
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 1) {
    throw new Error(
      `load shedding: retryAfterSeconds must be a whole number of at least 1, got ${retryAfterSeconds}`,
    );
  }
  const eventLoopDelay =
    options.eventLoopDelay ?? (maxEventLoopDelayMs > 0 ? monitoredEventLoopDelay() : undefined);
  if (eventLoopDelay && !options.eventLoopDelay) {
    app.addHook('onClose', (_app, done) => {
      eventLoopDelay.close();
      done();
    });
  }
  const currentDelayMs = () => eventLoopDelay?.delayMs() ?? 0;
  const captureBehind = captureStats ? () => captureFallingBehind(captureStats()) : undefined;

  let inFlight = 0;
  const shed = new Counter({
    name: 'flywheel_gateway_shed_total',
    help:
      'Requests refused with 503 and Retry-After: reason in_flight (maxInFlight requests already open), ' +
      'event_loop_delay (the event loop ran later than maxEventLoopDelayMs) or capture_backlog (a ' +
      'prediction while capture held 90% of its bound and its store answered).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const shedBy: Record<ShedReason, Counter.Internal> = {
    in_flight: shed.labels('in_flight'),
    event_loop_delay: shed.labels('event_loop_delay'),
    capture_backlog: shed.labels('capture_backlog'),
  };
  // Both series from the start: a 0 says "never shed for this reason", an absent series says nothing.
  for (const series of Object.values(shedBy)) series.inc(0);
  new Gauge({
    name: 'flywheel_gateway_requests_in_flight',
    help: 'Requests received and not yet answered (health and metrics requests not counted).',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  new Gauge({
    name: 'flywheel_gateway_event_loop_delay_seconds',
    help: 'Mean event-loop delay over the last window, as load shedding reads it (0 when it is off).',
    registers: [registry],
    collect() {
      this.set(currentDelayMs() / 1000);
    },
  });
  const retryAfter = String(retryAfterSeconds);
  const refusals: Record<ShedReason, ErrorBody> = {
    in_flight: new GatewayError(
      503,
      'overloaded',
      `the gateway is answering ${maxInFlight} requests already; retry after ${retryAfterSeconds} s`,
    ).toBody(),
    event_loop_delay: new GatewayError(
      503,
      'overloaded',
      `the gateway is saturated (its event loop runs more than ${maxEventLoopDelayMs} ms late); ` +
        `retry after ${retryAfterSeconds} s`,
    ).toBody(),
    capture_backlog: new GatewayError(
      503,
      'overloaded',
      `the gateway serves faster than it can record its predictions; retry after ${retryAfterSeconds} s`,
    ).toBody(),
  };

  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (EXEMPT_PATHS.has(path)) return done();
    const reason = shedReason(
      {
        inFlight,
        eventLoopDelayMs: currentDelayMs(),
        captureFallingBehind: path.endsWith('/predict') ? captureBehind : undefined,
      },
      bounds,
    );
    if (reason) {
      shedBy[reason].inc();
      // Answered here, not thrown: the error handler logs every 5xx, and shedding must not flood the log.
      reply.code(503).header('retry-after', retryAfter).send(refusals[reason]);
      return;
    }
    inFlight++;
    // 'close' comes once per response, whether it finished or the caller went away first.
    reply.raw.once('close', () => {
      inFlight--;
    });
    done();
  });
}
