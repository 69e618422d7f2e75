import type { FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from '../../adapters/metrics/process-registry.ts';
import type { GatewayContext } from '../gateway-context.ts';

/** `GET /healthz` (the process answers; says nothing of the store) and `GET /metrics` (Prometheus text). */
export function registerOperationsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/healthz', async () => {
    const capture = ctx.capture.stats();
    return { status: 'ok', store: ctx.store.kind, captureQueued: capture.queued };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
    return ctx.metrics.render();
  });
}
