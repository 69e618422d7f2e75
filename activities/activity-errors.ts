import { ApplicationFailure } from '@temporalio/activity';

/** A mistake in what the activity was asked to do: retrying cannot help. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidInput');
}

/** Something the activity needs does not exist: retrying cannot help. */
export function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'NotFound');
}
