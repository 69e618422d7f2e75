import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROMETHEUS_CONTENT_TYPE } from '../../adapters/metrics/process-registry.ts';
import type { GatewayContext } from '../gateway-context.ts';

const Health = z.object({
  status: z.literal('ok'),
  store: z.string(),
  captureQueued: z.number(),
  captureStoreAway: z.boolean(),
});

/** `GET /healthz` (the process answers; says nothing of the store) and `GET /metrics` (Prometheus text). */
export function registerOperationsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const schema = { response: { 200: Health } };
  app.withTypeProvider<ZodTypeProvider>().get('/healthz', { schema }, async () => {
    const capture = ctx.capture.stats();
    return {
      status: 'ok' as const,
      store: ctx.store.kind,
      captureQueued: capture.queued,
      captureStoreAway: capture.storeAway,
    };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
    return ctx.metrics.render();
  });
}
