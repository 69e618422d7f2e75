import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * Where the integration tests' logs go: Flywheel's (workers, gateways, activities) and, through the
 * worker runtime, the Temporal SDK's. Lines are held until the test they belong to ends (see
 * quiet-logs.ts): a failing test prints them, a passing one drops them, so a green run reads as a list
 * of passed tests. FLYWHEEL_TEST_LOGS=live writes every line to stderr as it comes instead.
 */
const LIVE = process.env.FLYWHEEL_TEST_LOGS === 'live';
/** A long test's chatter is bounded; the newest lines are the ones that explain a failure. */
const MAX_HELD_LINES = 5_000;

let held: string[] = [];
let dropped = 0;

const stream = new Writable({
  write(chunk, _encoding, done) {
    if (LIVE) process.stderr.write(chunk);
    else {
      held.push(String(chunk));
      if (held.length > MAX_HELD_LINES) {
        held = held.slice(-MAX_HELD_LINES / 2);
        dropped += MAX_HELD_LINES / 2;
      }
    }
    done();
  },
});

/** Output of a process a test started (already formatted log lines), held like the test's own. */
export function holdOutput(chunk: string): void {
  stream.write(chunk);
}

/** A pino logger into the held lines; FLYWHEEL_LOG_LEVEL sets its level (default warn). */
export function heldLogger(name: string): Logger {
  return pino({ name, level: process.env.FLYWHEEL_LOG_LEVEL ?? 'warn' }, stream);
}

/** Lines logged since the last call, with a note of any dropped for length; empties the hold. */
export function takeHeldLines(): string {
  const text = (dropped > 0 ? `(${dropped} earlier lines dropped)\n` : '') + held.join('');
  held = [];
  dropped = 0;
  return text;
}
