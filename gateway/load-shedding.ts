import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { GatewayError } from './errors.ts';

export interface LoadSheddingOptions {
  /**
   * Most requests answered at the same time; one more is refused at once with `503` and `Retry-After`
   * instead of waiting behind the others. Every request in flight holds its body, its prediction and a
   * socket: the bound keeps memory and latency bounded when callers send more than the gateway can answer.
   */
  maxInFlight: number;
  /** Seconds a refused caller is asked to wait before it retries (the `Retry-After` header). */
  retryAfterSeconds: number;
}

/**
 * 256 requests: a prediction takes well under a millisecond of CPU, so a gateway with this many
 * requests open is already answering late; past it, more waiting only adds latency and memory
 * (256 × the 256 KiB body limit is 64 MiB at worst).
 */
export const DEFAULT_LOAD_SHEDDING: LoadSheddingOptions = { maxInFlight: 256, retryAfterSeconds: 1 };

/** Paths never shed: an overloaded gateway is alive, and its metrics say why it sheds. */
const EXEMPT_PATHS = new Set(['/healthz', '/metrics']);

/**
 * Reads FLYWHEEL_GATEWAY_MAX_IN_FLIGHT and FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS (positive integers);
 * what is unset keeps its default.
 */
export function loadSheddingFromEnvironment(env: NodeJS.ProcessEnv = process.env): LoadSheddingOptions {
  return {
    maxInFlight: positiveInteger(env, 'FLYWHEEL_GATEWAY_MAX_IN_FLIGHT', DEFAULT_LOAD_SHEDDING.maxInFlight),
    retryAfterSeconds: positiveInteger(
      env,
      'FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS',
      DEFAULT_LOAD_SHEDDING.retryAfterSeconds,
    ),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} is "${raw}"; use a whole number of at least 1`);
  }
  return value;
}

/**
 * Counts requests from the moment they arrive (before their body is read) until their response is
 * finished or their connection closes, and refuses the ones past the bound. Refused requests cost no
 * body parsing and are counted in `flywheel_gateway_shed_total`.
 */
export function installLoadShedding(
  app: FastifyInstance,
  registry: Registry,
  options: Partial<LoadSheddingOptions> = {},
): void {
  const { maxInFlight, retryAfterSeconds } = { ...DEFAULT_LOAD_SHEDDING, ...options };
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new Error(`load shedding: maxInFlight must be a whole number of at least 1, got ${maxInFlight}`);
  }
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 1) {
    throw new Error(
      `load shedding: retryAfterSeconds must be a whole number of at least 1, got ${retryAfterSeconds}`,
    );
  }
  let inFlight = 0;
  const shed = new Counter({
    name: 'flywheel_gateway_shed_total',
    help: 'Requests refused with 503 and Retry-After because maxInFlight requests were already open.',
    registers: [registry],
  });
  new Gauge({
    name: 'flywheel_gateway_requests_in_flight',
    help: 'Requests received and not yet answered (health and metrics requests not counted).',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  const retryAfter = String(retryAfterSeconds);
  const overloaded = new GatewayError(
    503,
    'overloaded',
    `the gateway is answering ${maxInFlight} requests already; retry after ${retryAfterSeconds} s`,
  );

  app.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT_PATHS.has(request.url.split('?', 1)[0] ?? '')) return done();
    if (inFlight >= maxInFlight) {
      shed.inc();
      // Answered here, not thrown: the error handler logs every 5xx, and shedding must not flood the log.
      reply.code(503).header('retry-after', retryAfter).send(overloaded.toBody());
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
