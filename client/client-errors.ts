/**
 * What the typed client refuses or reports, as domain errors a caller branches on by class: the CLI
 * turns them into exit codes, the console into HTTP statuses, an activity into retry or not.
 */
export class FlywheelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request itself is wrong (a model name, a config): asking again unchanged cannot help. */
export class InvalidRequestError extends FlywheelError {}

/** What the request names does not exist (a cycle, a rollout, a schedule). */
export class NotFoundError extends FlywheelError {}

/** Something already running stands in the way (a cycle, a rollout, a champion change). */
export class ConflictError extends FlywheelError {}

/** The workflow ran and failed; the message carries its root cause. */
export class RunFailedError extends FlywheelError {}
