import type { FastifyInstance } from 'fastify';
import type { ConsoleDeps } from '../create-console.ts';
import { readOverview } from '../overview-board.ts';
import { sparklinePoints } from '../sparkline.ts';
import { requireReviewerCall, requireReviewerPage } from './sign-in.ts';

export function registerOverviewRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const board = async () => ({
    models: await readOverview(deps.flywheel, deps.store, deps.temporalUiUrl),
    sparklinePoints,
    at: Date.now(),
  });

  app.get('/', { preHandler: requireReviewerPage }, async (request, reply) => {
    return reply.view('overview.eta', {
      title: 'Overview',
      reviewer: request.session.reviewer,
      csrf: reply.generateCsrf(),
      ...(await board()),
    });
  });

  // The page swaps this fragment in every few seconds: a rollout's step change shows without a reload.
  app.get('/overview/board', { preHandler: requireReviewerCall }, async (_request, reply) => {
    return reply.header('cache-control', 'no-store').view('overview-board.eta', await board());
  });
}
