import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import { useZodSchemas } from '../adapters/http/zod-schemas.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { NO_REDACTION, type RedactionPolicy, TextRedaction } from '../core/privacy/redaction-policy.ts';
import { type GatewayAuth, installApiKeyAuth } from './api-key-auth.ts';
import { CaptureBuffer, type CaptureBufferOptions } from './capture-buffer.ts';
import { classifierFromArtifacts } from './classifier-loader.ts';
import { clientErrorReply, frameworkErrorReply, GatewayError, installErrorShapes } from './errors.ts';
import type { GatewayContext } from './gateway-context.ts';
import { installLoadShedding, type LoadSheddingOptions } from './load-shedding.ts';
import { GatewayMetrics } from './metrics.ts';
import { type LoadClassifier, ModelCache } from './model-cache.ts';
import type { PredictionCapture } from './prediction-capture.ts';
import { redactingPredictions } from './redacting-predictions.ts';
import { MAX_BODY_BYTES } from './request-schemas.ts';
import { registerFeedbackRoute } from './routes/feedback.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerPredictRoute } from './routes/predict.ts';
import { canaryAssignerOf } from './routing.ts';
import { DEFAULT_ROLLOUT_TTL_MS, ServingPlanCache } from './serving-plan-cache.ts';
import { ShadowRunner } from './shadow-runner.ts';

export interface GatewayOptions {
  /** How a version becomes a classifier. Default: its artifact, deserialized. */
  loadClassifier?: LoadClassifier;
  /** How long a model's rollout state is served from memory (ms). Default 500. */
  rolloutTtlMs?: number;
  /**
   * How served predictions reach the store; the gateway closes it when it closes. Default: a
   * CaptureBuffer writing the store's predictions from this event loop, paced by `capture`.
   * `runGateway` passes a ThreadedCapture, so that store writes never pause requests.
   */
  predictionCapture?: PredictionCapture;
  /** Bounds and pace of the default capture buffer. */
  capture?: Partial<CaptureBufferOptions>;
  /** Capture predictions at all. Off only to measure what capture costs (bench/gateway.ts). */
  captureEnabled?: boolean;
  /**
   * Feedback on a prediction not (yet) in the store waits until the prediction is this old (ms) before
   * answering 404: another replica may still hold it in its capture buffer. Default 10000.
   */
  awaitPredictionMs?: number;
  /** Most model versions kept deserialized. Default 8. */
  maxCachedVersions?: number;
  /** API keys (api-key-auth.ts). Default: off. */
  auth?: GatewayAuth;
  /** Redaction of captured texts by the default capture buffer (a ThreadedCapture has its own). */
  redaction?: RedactionPolicy;
  /**
   * Most requests answered at once, most event-loop delay, and the Retry-After of the rest
   * (load-shedding.ts). A gateway built here sheds on event-loop delay only when given a bound: its
   * process may run other work (workers, tests) on the same loop. `flywheel gateway` (run-gateway.ts)
   * gives the default bound from the environment.
   */
  loadShedding?: Partial<LoadSheddingOptions>;
}

export interface GatewayDeps {
  store: FlywheelStore;
  artifacts: ArtifactStore;
  flags: FlagProvider;
  logger: Logger;
  options?: GatewayOptions;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly capture: PredictionCapture;
  /** Stops listening, waits for in-flight requests and shadow predictions, then flushes the capture. */
  close(): Promise<void>;
}

/**
 * Many flush intervals of another replica's capture (200 ms each): its writer thread runs at the lowest
 * priority and may wait its turn on a busy host. An unknown id costs a feedback request at most this long.
 */
const DEFAULT_AWAIT_PREDICTION_MS = 10_000;

/** Builds the HTTP gateway; it does not listen yet (see `startGateway`) and does not own its deps. */
export function createGateway(deps: GatewayDeps): Gateway {
  const options = deps.options ?? {};
  const log = deps.logger;
  const capture =
    options.predictionCapture ??
    new CaptureBuffer(
      redactingPredictions(deps.store.predictions, new TextRedaction(options.redaction ?? NO_REDACTION)),
      log.child({ component: 'capture' }),
      options.capture,
    );
  const metrics = new GatewayMetrics(() => capture.stats());
  const models = new ModelCache(
    deps.store.models,
    options.loadClassifier ?? classifierFromArtifacts(deps.artifacts),
    options.maxCachedVersions,
  );
  const ctx: GatewayContext = {
    store: deps.store,
    plans: new ServingPlanCache(
      deps.flags,
      deps.store.models,
      log,
      options.rolloutTtlMs ?? DEFAULT_ROLLOUT_TTL_MS,
    ),
    assignCanaryArm: canaryAssignerOf(deps.flags),
    models,
    capture,
    captureEnabled: options.captureEnabled ?? true,
    awaitPredictionMs: options.awaitPredictionMs ?? DEFAULT_AWAIT_PREDICTION_MS,
    shadows: new ShadowRunner(models, capture, metrics, log.child({ component: 'shadow' })),
    metrics,
    log,
  };

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One log line per request would cost more than a prediction; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: clientErrorReply,
    return503OnClosing: false,
  });
  // Only JSON bodies: without this Fastify would hand text/plain through as a string.
  app.removeContentTypeParser('text/plain');
  useZodSchemas(app);
  installErrorShapes(app);
  installLoadShedding(app, metrics.registry, { maxEventLoopDelayMs: 0, ...options.loadShedding }, () =>
    capture.stats(),
  );
  installApiKeyAuth(app, deps.store.apiKeys, options.auth ?? { mode: 'off', protectMetrics: false });

  // Callback-style hooks: on every request, an async hook would cost a promise for nothing.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Fastify's own answer while closing has its own body shape; this one has ours.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new GatewayError(503, 'shutting_down', 'the gateway is shutting down; retry on another instance'));
  });
  app.addHook('onClose', async () => {
    await ctx.shadows.settle();
    await capture.close();
  });

  registerPredictRoute(app, ctx);
  registerFeedbackRoute(app, ctx);
  registerOperationsRoutes(app, ctx);

  return { app, capture, close: () => app.close() };
}

/** Listens on `host:port` (port 0 picks a free one) and returns the base URL. */
export async function startGateway(
  gateway: Gateway,
  { port, host }: { port: number; host: string },
): Promise<string> {
  await gateway.app.listen({ port, host });
  const address = gateway.app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`unexpected listen address ${address}`);
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${hostPart}:${address.port}`;
}
