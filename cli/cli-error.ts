import { ConflictError, FlywheelError, InvalidRequestError, NotFoundError } from '../client/client-errors.ts';

/** An error meant for the person at the terminal: printed as one line, with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Exit codes: 1 a failure, 2 a usage mistake, 3 Temporal unreachable, 4 not found, 5 conflict. */
export const EXIT = { failure: 1, usage: 2, unreachable: 3, notFound: 4, conflict: 5 } as const;

/** The exit code of each of the typed client's domain errors. */
function exitCodeOf(error: FlywheelError): number {
  if (error instanceof InvalidRequestError) return EXIT.usage;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof ConflictError) return EXIT.conflict;
  return EXIT.failure;
}

/** Turns any error into the one line and exit code a CLI user sees; never a stack trace. */
export function describeForTerminal(
  error: unknown,
  temporalAddress: string,
): { line: string; exitCode: number } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof FlywheelError) return { line: error.message, exitCode: exitCodeOf(error) };
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (
    name === 'TransportError' ||
    /UNAVAILABLE|ECONNREFUSED|Failed to connect|transport error|connection refused/i.test(message)
  ) {
    return {
      line: `cannot reach Temporal at ${temporalAddress}: start it with \`./flywheel dev\`, or set TEMPORAL_ADDRESS to your cluster`,
      exitCode: EXIT.unreachable,
    };
  }
  return { line: message.split('\n')[0] ?? 'unknown error', exitCode: EXIT.failure };
}
