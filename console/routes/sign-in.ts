import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FlywheelStore } from '../../adapters/store/store.ts';
import { hashPassword, verifyPassword } from '../password-hash.ts';

const SignInForm = z.object({
  name: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(1024),
  next: z.string().optional(),
});
const SignInQuery = z.object({ next: z.string().optional() });

/** Pages send a reviewer who is not signed in to the sign-in page, and back afterwards. */
export async function requireReviewerPage(request: FastifyRequest, reply: FastifyReply) {
  if (request.session.reviewer) return;
  return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`);
}

/** Calls from a page whose sign-in has ended get a message the page shows, never a redirect. */
export async function requireReviewerCall(request: FastifyRequest, reply: FastifyReply) {
  if (request.session.reviewer) return;
  return reply.code(401).send({
    message: 'your session has expired or you signed out: sign in again (nothing was sent)',
    signIn: `/sign-in?next=${encodeURIComponent(pathOf(request.headers.referer))}`,
  });
}

/** The path of the page a call came from, to return there after signing in. */
function pathOf(referer: string | undefined): string {
  try {
    return referer ? new URL(referer).pathname : '/';
  } catch {
    return '/';
  }
}

/** Only paths of this console: never an address elsewhere (`//host`, `https://…`). */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function registerSignInRoutes(root: FastifyInstance, store: FlywheelStore): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Compared against when the name is unknown, so that a wrong name takes as long as a wrong password.
  const decoy = hashPassword('no account has this password');

  app.get('/sign-in', { schema: { querystring: SignInQuery } }, async (request, reply) => {
    const query = request.query;
    return reply.view('sign-in.eta', {
      title: 'Sign in',
      reviewer: null,
      csrf: reply.generateCsrf(),
      next: safeNext(query.next),
      error: null,
      name: '',
    });
  });

  // A form that does not parse shows the page again with a hint, so the handler sees the refusal.
  const signIn = { preValidation: root.csrfProtection, schema: { body: SignInForm }, attachValidation: true };
  app.post('/sign-in', signIn, async (request, reply) => {
    const form = request.validationError ? null : request.body;
    // Back to where the reviewer was going, even when the rest of the form was refused.
    const sent = (request.body as { next?: unknown } | undefined)?.next;
    const next = safeNext(typeof sent === 'string' ? sent : undefined);
    const again = (error: string, name: string) =>
      reply.code(401).view('sign-in.eta', {
        title: 'Sign in',
        reviewer: null,
        csrf: reply.generateCsrf(),
        next,
        error,
        name,
      });
    if (!form) return again('give your reviewer name and your password', '');
    const account = await store.reviewers.get(form.name);
    const matches = await verifyPassword(form.password, account?.passwordHash ?? (await decoy));
    if (!account || !matches) {
      return again(
        'unknown reviewer or wrong password (accounts are made with `flywheel reviewers add <name>`)',
        form.name,
      );
    }
    await request.session.regenerate();
    request.session.reviewer = account.name;
    return reply.redirect(next);
  });

  app.post('/sign-out', { preHandler: root.csrfProtection }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/sign-in');
  });
}
