/**
 * Why a request to a service never got an answer, in plain words for a one-line start-up error. Plain
 * words rather than errno names: the CLI reads ECONNREFUSED in a message as "Temporal is down".
 */
export function networkFailureReason(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
  // fetch() hides the socket's error behind its own TypeError('fetch failed').
  const cause = (error as { cause?: NodeJS.ErrnoException } | undefined)?.cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'nothing listens there';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ECONNRESET') return 'the connection was reset';
  return code ?? (error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error));
}
