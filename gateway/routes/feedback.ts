import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { derivedFeedbackId } from '../derived-feedback-id.ts';
import { ERROR_RESPONSES, GatewayError, storeNotReady } from '../errors.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { predictionIdTime } from '../prediction-id.ts';
import { FeedbackDuplicate, FeedbackParams, FeedbackRecorded, FeedbackRequest } from '../request-schemas.ts';

/**
 * `POST /v1/predictions/:id/feedback`. Unlike predictions, feedback is written before answering: the
 * answer tells the client whether this feedback id was recorded now (201) or already was (200). The
 * record notes whether the sender is the user who got the answer (same user key): only then do the
 * auto-label rules trust it by default.
 */
export function registerFeedbackRoute(app: FastifyInstance, ctx: GatewayContext): void {
  const schema = {
    params: FeedbackParams,
    body: FeedbackRequest,
    response: { 200: FeedbackDuplicate, 201: FeedbackRecorded, ...ERROR_RESPONSES },
  };
  app
    .withTypeProvider<ZodTypeProvider>()
    .post('/v1/predictions/:id/feedback', { schema }, async (request, reply) => {
      const body = request.body;
      const predictionId = request.params.id;
      const prediction = await findPrediction(ctx, predictionId);
      if (prediction === 'pending') {
        throw storeNotReady(
          'prediction_pending',
          'predictions served moments ago are still on their way to the store; send the feedback again after Retry-After seconds',
        );
      }
      if (!prediction) {
        throw new GatewayError(404, 'prediction_not_found', `no prediction with id "${predictionId}"`, 'id');
      }

      const label = body.label ?? null;
      if (label !== null) {
        const { version } = await ctx.models.get(prediction.modelVersion);
        if (!version.labels.includes(label)) {
          throw new GatewayError(
            400,
            'unknown_label',
            `label must be one of the labels of ${prediction.model}: ${version.labels.map((l) => JSON.stringify(l)).join(', ')}`,
            'label',
          );
        }
      }

      const userKey = body.userKey ?? null;
      const feedback: FeedbackRecord = {
        id: body.feedbackId ?? derivedFeedbackId(predictionId, userKey, body.kind, label),
        predictionId,
        model: prediction.model,
        kind: body.kind,
        label,
        userKey,
        fromPredictionUser: userKey !== null && userKey === prediction.userKey,
        createdAt: Date.now(),
      };
      const { inserted } = await ctx.store.feedback.insert(feedback);
      ctx.metrics.countFeedback(feedback.kind, inserted ? 'recorded' : 'duplicate');
      if (inserted) return reply.code(201).send({ recorded: true });
      return reply.code(200).send({ recorded: false, duplicate: true });
    });
}

/**
 * The prediction from the store; one served moments ago may still be on its way there, so when capture
 * holds predictions it is flushed and the store asked again. Feedback is therefore written only once
 * its prediction is in the store. When capture still holds predictions after FLUSH_WAIT_MS (the store away
 * or catching up), this one may be among them: 'pending', and the caller is asked to send it again.
 *
 * Behind a load balancer the prediction may have been served by another replica, whose capture buffer
 * this one cannot flush: for an id made less than `awaitPredictionMs` ago, the store is asked again until
 * that age is reached. An unknown or older id is answered 404 at once.
 */
async function findPrediction(ctx: GatewayContext, id: string): Promise<PredictionRecord | 'pending' | null> {
  const stored = await ctx.store.predictions.get(id);
  if (stored) return stored;
  if (ctx.capture.stats().queued > 0) {
    // Bounded: while the store is away (or catching up after an outage) a flush can take as long as
    // the outage; the caller is then asked to come back rather than held.
    const flushed = await Promise.race([
      ctx.capture.flush().then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, FLUSH_WAIT_MS, false).unref()),
    ]);
    const found = await ctx.store.predictions.get(id);
    if (found) return found;
    if (!flushed) return 'pending';
  }
  const madeAt = predictionIdTime(id);
  if (madeAt === null || madeAt > Date.now() + ctx.awaitPredictionMs) return null;
  const until = madeAt + ctx.awaitPredictionMs;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(AWAIT_POLL_MS, until - Date.now())));
    const arrived = await ctx.store.predictions.get(id);
    if (arrived) return arrived;
  }
  return null;
}

const AWAIT_POLL_MS = 50;
/** Longest a feedback request waits for capture to write what it holds before it is asked to retry. */
const FLUSH_WAIT_MS = 2_000;
