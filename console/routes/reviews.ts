import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CliError, EXIT } from '../../client/cli-error.ts';
import type { ReviewClient } from '../../client/review-client.ts';
import { Label, ModelName } from '../../core/model-name.ts';
import type { ReviewDesk } from '../review-desk.ts';
import { requireReviewerCall, requireReviewerPage } from './sign-in.ts';

const ReviewParams = z.object({ model: ModelName, number: z.coerce.number().int().min(1) });
const ItemParams = ReviewParams.extend({ id: z.string().min(1).max(200) });
const DecideBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), item: z.string().min(1).max(200) }),
  z.strictObject({ action: z.literal('reject'), item: z.string().min(1).max(200) }),
  // Any label shape is passed on: the review itself answers whether the model has that label.
  z.strictObject({
    action: z.literal('correct'),
    item: z.string().min(1).max(200),
    label: z.string().min(1).max(100),
  }),
]);

const UndoBody = z.strictObject({ item: z.string().min(1).max(200) });

function badParams(reply: FastifyReply) {
  return reply.code(404).send({ message: 'no such review: the address names a model and a cycle number' });
}

export function registerReviewRoutes(app: FastifyInstance, desk: ReviewDesk, reviews: ReviewClient): void {
  app.get('/reviews', { preHandler: requireReviewerPage }, async (request, reply) => {
    const waiting = await reviews.waiting();
    return reply.view('reviews.eta', {
      title: 'Reviews',
      reviewer: request.session.reviewer,
      csrf: reply.generateCsrf(),
      waiting,
    });
  });

  app.get('/reviews/:model/:number', { preHandler: requireReviewerPage }, async (request, reply) => {
    const params = ReviewParams.safeParse(request.params);
    if (!params.success) return badParams(reply);
    const { model, number } = params.data;
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
      if (!(error instanceof CliError)) throw error;
      return reply.code(error.exitCode === EXIT.notFound ? 404 : 409).view('problem.eta', {
        title: 'Review',
        reviewer: request.session.reviewer,
        csrf: reply.generateCsrf(),
        message: error.message,
      });
    }
  });

  app.get('/reviews/:model/:number/state', { preHandler: requireReviewerCall }, async (request, reply) => {
    const params = ReviewParams.safeParse(request.params);
    if (!params.success) return badParams(reply);
    try {
      const queue = await desk.queue(params.data.model, params.data.number);
      return { me: request.session.reviewer, queue };
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      return reply.code(error.exitCode === EXIT.notFound ? 404 : 409).send({ message: error.message });
    }
  });

  app.get(
    '/reviews/:model/:number/items/:id',
    { preHandler: requireReviewerCall },
    async (request, reply) => {
      const params = ItemParams.safeParse(request.params);
      if (!params.success) return badParams(reply);
      const detail = await desk.item(params.data.model, params.data.number, params.data.id);
      if (!detail)
        return reply.code(404).send({ message: `item ${params.data.id} is not part of this review` });
      return detail;
    },
  );

  app.post(
    '/reviews/:model/:number/decide',
    { preHandler: [requireReviewerCall, app.csrfProtection] },
    async (request, reply) => {
      const params = ReviewParams.safeParse(request.params);
      if (!params.success) return badParams(reply);
      const body = DecideBody.safeParse(request.body);
      if (!body.success) {
        return reply.code(400).send({
          outcome: 'refused',
          message: 'a decision is {action: approve|correct|reject, item, label (for correct)}',
        });
      }
      if (body.data.action === 'correct' && !Label.safeParse(body.data.label).success) {
        return reply.code(400).send({ outcome: 'refused', message: `"${body.data.label}" is not a label` });
      }
      // The identity is the session's, never a field of the request.
      const startedAt = performance.now();
      const answer = await desk.decide(
        params.data.model,
        params.data.number,
        request.session.reviewer!,
        body.data,
      );
      reply.header('server-timing', `review;dur=${(performance.now() - startedAt).toFixed(1)}`);
      return reply.code(answer.outcome === 'accepted' ? 200 : answer.status).send(answer);
    },
  );

  app.post(
    '/reviews/:model/:number/undo',
    { preHandler: [requireReviewerCall, app.csrfProtection] },
    async (request, reply) => {
      const params = ReviewParams.safeParse(request.params);
      if (!params.success) return badParams(reply);
      const body = UndoBody.safeParse(request.body);
      if (!body.success) {
        return reply
          .code(400)
          .send({ outcome: 'refused', message: 'an undo is {item}: the item to take your vote back from' });
      }
      const answer = await desk.retract(
        params.data.model,
        params.data.number,
        request.session.reviewer!,
        body.data.item,
      );
      return reply.code(answer.outcome === 'accepted' ? 200 : answer.status).send(answer);
    },
  );
}
