import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RequestValidationError } from '../adapters/http/zod-schemas.ts';
import { isStoreUnavailable } from '../adapters/store/store-unavailable.ts';
import { issueSentence } from '../core/validation/zod-issues.ts';

/** The one shape of every error the gateway answers with. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Response schemas of every route's errors. */
export const ERROR_RESPONSES = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/** A failure with the HTTP status and the code a client can branch on. */
export class GatewayError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;
  /** Answered as the `Retry-After` header: the caller may send the same request again after it. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    field?: string,
    options?: ErrorOptions & { retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'GatewayError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

/**
 * A request its route schema refused, in our shape: the first issue names the field and the rule, in
 * the words every other refusal uses (core/validation/zod-issues.ts).
 */
function fromValidation(error: RequestValidationError): GatewayError {
  const issue = error.issues[0];
  const whole = error.validationContext === 'body' ? 'the body' : 'the path';
  if (!issue) return new GatewayError(400, 'invalid_request', `${whole} is invalid`);
  return new GatewayError(400, issue.code, issueSentence(issue, whole), issue.field || undefined);
}

/** Fastify's own client errors (body parsing, content type, size, URL), in our shape. */
function fromFastifyError(error: FastifyError): GatewayError | null {
  if (error instanceof RequestValidationError) return fromValidation(error);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError(413, 'body_too_large', 'the request body is larger than the gateway accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new GatewayError(
        415,
        'unsupported_media_type',
        'send the body as Content-Type: application/json',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError(400, 'invalid_json', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError(400, 'invalid_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError(400, 'invalid_content_length', 'the body length does not match Content-Length');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GatewayError(400, 'invalid_url', 'the request URL is malformed or too long');
  }
  if (error instanceof SyntaxError) {
    // JSON.parse's message names the position; prototype-poisoning refusals land here too.
    return new GatewayError(400, 'invalid_json', `the body is not valid JSON: ${error.message}`);
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatewayError(error.statusCode, 'bad_request', error.message);
  }
  return null;
}

/** Seconds a caller refused while the store is unreachable is asked to wait before sending again. */
const STORE_RETRY_AFTER_SECONDS = 1;

/** `503` with `Retry-After`: the store cannot take this request yet; the same request sent again can. */
export function storeNotReady(
  code: 'store_unavailable' | 'prediction_pending',
  message: string,
): GatewayError {
  return new GatewayError(503, code, message, undefined, { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS });
}

/** Every error and every unknown route answers `{ error: { code, message, field? } }`. */
export function installErrorShapes(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    const known =
      error instanceof GatewayError
        ? error
        : (fromFastifyError(error) ??
          // Feedback is written before it is answered: while the store is away, the caller is asked to
          // send it again (predictions are still served; their capture waits in its queue).
          (isStoreUnavailable(error)
            ? storeNotReady(
                'store_unavailable',
                'the store cannot be reached right now; send the request again after Retry-After seconds',
              )
            : null));
    if (known) {
      if (known.statusCode >= 500) {
        request.log.warn({ err: error, code: known.code, url: request.url }, known.message);
      }
      if (known.retryAfterSeconds !== undefined) reply.header('retry-after', known.retryAfterSeconds);
      return reply.code(known.statusCode).send(known.toBody());
    }
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(500).send({
      error: { code: 'internal', message: `internal error; see the gateway log (request ${request.id})` },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(new GatewayError(404, 'route_not_found', `no route ${request.method} ${request.url}`).toBody()),
  );
}

/** For Fastify's `frameworkErrors` option (malformed URLs are refused before routing). */
export function frameworkErrorReply(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = fromFastifyError(error) ?? new GatewayError(400, 'bad_request', error.message);
  reply.code(known.statusCode).send(known.toBody());
}

/**
 * For Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees them (a
 * Content-Length that is not a number, malformed headers, headers too large) get the same error shape
 * as every other mistake, instead of Node's bare "Client Error".
 */
export function clientErrorReply(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = clientErrorOf(error.code);
  const body = JSON.stringify(known.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.statusCode} ${STATUS_CODES[known.statusCode]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function clientErrorOf(code: string | undefined): GatewayError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError(408, 'request_timeout', 'the request was not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError(
        431,
        'headers_too_large',
        'the request headers are larger than the gateway accepts',
      );
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new GatewayError(
        400,
        'invalid_content_length',
        'Content-Length must be one non-negative number',
      );
    default:
      return new GatewayError(400, 'malformed_request', 'the request is not well-formed HTTP/1.1');
  }
}
