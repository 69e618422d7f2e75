import { timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RequestValidationError, useZodSchemas } from '../http/zod-schemas.ts';
import { UnknownPayloadKeyError } from './aes-gcm-codec.ts';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every encode/decode request must carry. */
  token: string;
  /** Browser origins allowed to call it (the Temporal UI's), e.g. http://127.0.0.1:8233. */
  allowedOrigins: readonly string[];
}

/** The Temporal remote-codec body: payloads with base64 metadata values and data. */
const PayloadsBody = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});
type JsonPayload = z.infer<typeof PayloadsBody>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {}))
    metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value ?? new Uint8Array()).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * The codec server the Temporal UI and `temporal workflow show --codec-endpoint` call to read encrypted
 * payloads: POST <endpoint>/encode and <endpoint>/decode with the endpoint at /codec. It decrypts
 * anything in the namespace, so it asks for its own bearer token and answers browsers only from the
 * configured origins.
 */
export function createCodecServer(options: CodecServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  const expected = Buffer.from(`Bearer ${options.token}`);
  const origins = new Set(options.allowedOrigins);

  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
    }
    // A preflight carries no credentials by design; it learns only which origins may ask.
    if (request.method === 'OPTIONS') {
      reply.code(origin && origins.has(origin) ? 204 : 403).send();
      return;
    }
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length === 0) {
      refuse(reply, 401, 'unauthenticated', 'send Authorization: Bearer <codec server token>');
      return;
    }
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      refuse(reply, 401, 'unauthenticated', 'the codec server token is not valid');
      return;
    }
    done();
  });

  useZodSchemas(app);
  app.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof RequestValidationError)) return reply.send(error);
    return refuse(
      reply,
      400,
      'invalid_request',
      `send { "payloads": [{ "metadata": {…}, "data": "<base64>" }] } (${error.message})`,
    );
  });
  const schema = { body: PayloadsBody, response: { 200: PayloadsBody } };
  const route = (path: string, run: (payloads: Payload[]) => Promise<Payload[]>) => {
    app.withTypeProvider<ZodTypeProvider>().post(path, { schema }, async (request, reply) => {
      try {
        const payloads = await run(request.body.payloads.map(fromJson));
        return { payloads: payloads.map(toJson) };
      } catch (error) {
        const code = error instanceof UnknownPayloadKeyError ? 'unknown_key' : 'undecodable_payload';
        return refuse(reply, 422, code, (error as Error).message);
      }
    });
  };
  route('/codec/encode', (payloads) => options.codec.encode(payloads));
  route('/codec/decode', (payloads) => options.codec.decode(payloads));
  return app;
}

export interface RunningCodecServer {
  /** The endpoint to give the Temporal UI or `--codec-endpoint`, e.g. http://127.0.0.1:8234/codec */
  endpoint: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (0 picks a free port). */
export async function runCodecServer(
  options: CodecServerOptions & { port: number; host: string },
): Promise<RunningCodecServer> {
  const app = createCodecServer(options);
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `the codec server cannot listen on ${options.host}:${options.port}: the port is in use`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : options.port;
  return { endpoint: `http://${options.host}:${port}/codec`, close: () => app.close() };
}
