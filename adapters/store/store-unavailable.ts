/**
 * Whether a store call failed because the store could not be reached (a server stopped, restarting, or
 * cut off by the network) rather than because it refused the call. Such a failure says nothing about
 * the data: the same call is worth making again once the server is back, however long that takes.
 * Anything else (a constraint, a bad query, a full disk) is not recognised here and is retried a bounded
 * number of times by its caller.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    if (typeof cause !== 'object') return false;
    const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
    if (name === 'PostgresUnreachableError') return true;
    if (typeof code === 'string' && (UNREACHABLE_ERRNO.has(code) || unavailableSqlState(code))) return true;
    if (typeof message === 'string' && CONNECTION_LOST.some((text) => message.includes(text))) return true;
    // Node's connect to a name with several addresses fails with each of them.
    if (cause instanceof AggregateError && cause.errors.some((inner) => isStoreUnavailable(inner)))
      return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** Socket errors of a server that is down or unreachable. */
const UNREACHABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL's SQLSTATEs for a lost or refused connection: class 08 (connection exception), and the
 * server shutting down or starting up (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
 * now).
 */
function unavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03';
}

/** node-postgres's messages for a connection that ended or never opened (they carry no code). */
const CONNECTION_LOST = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];
