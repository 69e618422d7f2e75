import { Writable } from 'node:stream';
import pino from 'pino';

/** A logger whose lines (parsed) a test can read. */
export function capturingLogger(level: pino.Level = 'info'): {
  log: pino.Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}
