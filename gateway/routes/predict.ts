import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES, GatewayError } from '../errors.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { LoadedModel } from '../model-cache.ts';
import { type PredictionInput, predictAndDescribe } from '../prediction-record.ts';
import { PredictParams, PredictRequest, PredictResponse } from '../request-schemas.ts';
import { type RequestRoute, routeRequest } from '../routing.ts';
import type { ServingPlan } from '../serving-plan-cache.ts';

/** `POST /v1/models/:model/predict`: classify one text with the version the rollout routes it to. */
export function registerPredictRoute(app: FastifyInstance, ctx: GatewayContext): void {
  const schema = {
    params: PredictParams,
    body: PredictRequest,
    response: { 200: PredictResponse, ...ERROR_RESPONSES },
  };
  app.withTypeProvider<ZodTypeProvider>().post('/v1/models/:model/predict', { schema }, async (request) => {
    const { model } = request.params;
    const body = request.body;
    const plan = await readPlan(ctx, model);
    const input: PredictionInput = {
      model,
      text: body.text,
      userKey: body.userKey ?? null,
      metadata: body.metadata ?? {},
    };
    const route = routeRequest(plan, input.userKey, ctx.assignCanaryArm);
    const { loaded, variant } = await loadRouted(ctx, plan, route, request.log);

    const served = await predictAndDescribe(loaded, input, variant, null);
    if (ctx.captureEnabled) {
      ctx.capture.enqueue(served);
      if (route.shadowVersionId) ctx.shadows.schedule(route.shadowVersionId, input, served.id);
    }
    ctx.metrics.countPrediction(model, variant);
    return {
      predictionId: served.id,
      label: served.label,
      confidence: served.confidence,
      scores: served.scores,
      modelVersion: served.modelVersion,
      variant,
    };
  });
}

async function readPlan(
  ctx: GatewayContext,
  model: string,
): Promise<ServingPlan & { championVersion: string }> {
  let plan: ServingPlan;
  try {
    plan = await ctx.plans.get(model);
  } catch (err) {
    throw new GatewayError(
      503,
      'rollout_unavailable',
      `the rollout state of ${model} cannot be read now`,
      undefined,
      {
        cause: err,
      },
    );
  }
  const { championVersion } = plan;
  if (championVersion === null) {
    throw new GatewayError(
      404,
      'model_not_found',
      `model "${model}" has no champion version to serve`,
      'model',
    );
  }
  return { ...plan, championVersion };
}

/** A canary whose candidate cannot be loaded falls back to the champion rather than failing the user. */
async function loadRouted(
  ctx: GatewayContext,
  plan: ServingPlan & { championVersion: string },
  route: RequestRoute,
  log: FastifyBaseLogger,
): Promise<{ loaded: LoadedModel; variant: 'champion' | 'canary' }> {
  if (route.variant === 'canary') {
    try {
      return { loaded: await ctx.models.get(route.versionId), variant: 'canary' };
    } catch (err) {
      log.warn(
        { err, model: plan.model, versionId: route.versionId },
        'canary unavailable; serving the champion',
      );
    }
  }
  return { loaded: await ctx.models.get(plan.championVersion), variant: 'champion' };
}
