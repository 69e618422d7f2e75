import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import { RequestValidationError, useZodSchemas } from '../adapters/http/zod-schemas.ts';
import type { Logger } from '../adapters/log/logger.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { FlywheelClient } from '../client/flywheel-client.ts';
import { ReviewClient } from '../client/review-client.ts';
import { ReviewDesk } from './review-desk.ts';
import { registerOverviewRoutes } from './routes/overview.ts';
import { registerReviewRoutes } from './routes/reviews.ts';
import { registerSignInRoutes } from './routes/sign-in.ts';

/** A request its route schema refused: a wrong address is a page that does not exist. */
function refusalOf(error: RequestValidationError): [number, { outcome: 'refused'; message: string }] {
  if (error.validationContext === 'params') {
    return [
      404,
      { outcome: 'refused', message: 'no such review: the address names a model and a cycle number' },
    ];
  }
  return [400, { outcome: 'refused', message: `malformed request: ${error.message}` }];
}

export interface ConsoleDeps {
  flywheel: FlywheelClient;
  store: FlywheelStore;
  artifacts: ArtifactStore;
  logger: Logger;
  /** Base URL of the Temporal Web UI, for links into each workflow (null: no links). */
  temporalUiUrl: string | null;
  /** Signs the session cookie; at least 32 characters; random when absent. Sessions live in memory either way. */
  sessionSecret?: string | undefined;
  /** How long a sign-in lasts (default 12 hours). */
  sessionMaxAgeMs?: number;
}

declare module 'fastify' {
  interface Session {
    reviewer?: string;
    _csrf?: string;
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** The review console: sign-in, review pages, the overview. Server-rendered (Eta), with small page scripts. */
export async function createConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  const secret = deps.sessionSecret ?? randomBytes(32).toString('hex');
  if (secret.length < 32) throw new Error('the console session secret must have at least 32 characters');
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret,
    cookieName: 'flywheel_console',
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      path: '/',
      maxAge: deps.sessionMaxAgeMs ?? 12 * 60 * 60 * 1000,
    },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: join(here, 'views'), cache: true }) },
    templates: join(here, 'views'),
  });
  await app.register(fastifyStatic, { root: join(here, 'public'), prefix: '/static/' });

  useZodSchemas(app);
  app.setErrorHandler((error: FastifyError | RequestValidationError, request, reply) => {
    if (error instanceof RequestValidationError) {
      const [status, body] = refusalOf(error);
      return reply.code(status).send(body);
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    const message =
      error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET'
        ? 'this page is out of date (its form token no longer matches your session): reload the page and try again'
        : status < 500
          ? error.message
          : 'the console failed to answer; see its log';
    if (status >= 500) request.log.error({ err: error }, 'console request failed');
    return reply.code(status).send({ message });
  });

  const desk = new ReviewDesk(new ReviewClient(deps.flywheel), deps.store, deps.artifacts);
  registerSignInRoutes(app, deps.store);
  registerReviewRoutes(app, desk, new ReviewClient(deps.flywheel));
  registerOverviewRoutes(app, deps);
  return app;
}
