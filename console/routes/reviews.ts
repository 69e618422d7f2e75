import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FlywheelError, NotFoundError } from '../../client/client-errors.ts';
import type { ReviewClient } from '../../client/review-client.ts';
import { Label, ModelName } from '../../core/model-name.ts';
import type { ReviewDesk } from '../review-desk.ts';
import { requireReviewerCall, requireReviewerPage } from './sign-in.ts';

const ReviewParams = z.object({ model: ModelName, number: z.coerce.number().int().min(1) });
const ItemParams = ReviewParams.extend({ id: z.string().min(1).max(200) });
const DecideBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), item: z.string().min(1).max(200) }),
  z.strictObject({ action: z.literal('reject'), item: z.string().min(1).max(200) }),
  // Whether the model has this label is the review's to answer; here only its shape is checked.
  z.strictObject({ action: z.literal('correct'), item: z.string().min(1).max(200), label: Label }),
]);

const UndoBody = z.strictObject({ item: z.string().min(1).max(200) });

/**
 * The review pages and the calls their script makes. Sign-in (and the form token) are checked before
 * the route schemas (`preValidation`), so nobody learns the rules of a request they may not send.
 */
export function registerReviewRoutes(root: FastifyInstance, desk: ReviewDesk, reviews: ReviewClient): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/reviews', { preValidation: requireReviewerPage }, async (request, reply) => {
    const waiting = await reviews.waiting();
    return reply.view('reviews.eta', {
      title: 'Reviews',
      reviewer: request.session.reviewer,
      csrf: reply.generateCsrf(),
      waiting,
    });
  });

  const page = { preValidation: requireReviewerPage, schema: { params: ReviewParams } };
  app.get('/reviews/:model/:number', page, async (request, reply) => {
    const { model, number } = request.params;
    try {
      const startedAt = performance.now();
      const queue = await desk.queue(model, number);
      const queuedAt = performance.now();
      const me = request.session.reviewer!;
      // The first item's full text comes with the page: one round trip less before the reviewer can start.
      const first = queue.pending.find((item) => !item.votes.some((vote) => vote.reviewer === me));
      const firstDetail = first ? await desk.item(model, number, first.id) : null;
      // Where the page's time went on the server, for the browser's timing API (bench/review-console.ts).
      reply.header(
        'server-timing',
        `queue;dur=${(queuedAt - startedAt).toFixed(1)}, item;dur=${(performance.now() - queuedAt).toFixed(1)}`,
      );
      return reply.view('review.eta', {
        title: `Review of ${model} cycle ${number}`,
        reviewer: request.session.reviewer,
        csrf: reply.generateCsrf(),
        queue,
        labels: queue.labels,
        allowed: queue.reviewers.length === 0 || queue.reviewers.includes(request.session.reviewer!),
        // The page starts from this queue instead of asking again; `<` escaped so no text can end the script.
        initialState: JSON.stringify({ me, queue, firstDetail }).replace(/</g, '\\u003c'),
      });
    } catch (error) {
      if (!(error instanceof FlywheelError)) throw error;
      return reply.code(error instanceof NotFoundError ? 404 : 409).view('problem.eta', {
        title: 'Review',
        reviewer: request.session.reviewer,
        csrf: reply.generateCsrf(),
        message: error.message,
      });
    }
  });

  const call = { preValidation: requireReviewerCall, schema: { params: ReviewParams } };
  app.get('/reviews/:model/:number/state', call, async (request, reply) => {
    try {
      const queue = await desk.queue(request.params.model, request.params.number);
      return { me: request.session.reviewer, queue };
    } catch (error) {
      if (!(error instanceof FlywheelError)) throw error;
      return reply.code(error instanceof NotFoundError ? 404 : 409).send({ message: error.message });
    }
  });

  app.get(
    '/reviews/:model/:number/items/:id',
    { preValidation: requireReviewerCall, schema: { params: ItemParams } },
    async (request, reply) => {
      const { model, number, id } = request.params;
      const detail = await desk.item(model, number, id);
      if (!detail) return reply.code(404).send({ message: `item ${id} is not part of this review` });
      return detail;
    },
  );

  app.post(
    '/reviews/:model/:number/decide',
    {
      preValidation: [requireReviewerCall, root.csrfProtection],
      schema: { params: ReviewParams, body: DecideBody },
    },
    async (request, reply) => {
      // The identity is the session's, never a field of the request.
      const startedAt = performance.now();
      const answer = await desk.decide(
        request.params.model,
        request.params.number,
        request.session.reviewer!,
        request.body,
      );
      reply.header('server-timing', `review;dur=${(performance.now() - startedAt).toFixed(1)}`);
      return reply.code(answer.outcome === 'accepted' ? 200 : answer.status).send(answer);
    },
  );

  app.post(
    '/reviews/:model/:number/undo',
    {
      preValidation: [requireReviewerCall, root.csrfProtection],
      schema: { params: ReviewParams, body: UndoBody },
    },
    async (request, reply) => {
      const answer = await desk.retract(
        request.params.model,
        request.params.number,
        request.session.reviewer!,
        request.body.item,
      );
      return reply.code(answer.outcome === 'accepted' ? 200 : answer.status).send(answer);
    },
  );
}
