import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Flywheel's one logger. JSON lines by default (what log shippers want); readable lines when the
 * output is a terminal or FLYWHEEL_LOG_FORMAT=pretty. FLYWHEEL_LOG_LEVEL sets the level (default info).
 */
export function createLogger(name: string, options: { level?: string; destination?: number } = {}): Logger {
  const level = options.level ?? process.env.FLYWHEEL_LOG_LEVEL ?? 'info';
  const destination = options.destination ?? 1;
  const format = process.env.FLYWHEEL_LOG_FORMAT ?? (isTerminal(destination) ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({
      name,
      level,
      transport: {
        target: 'pino-pretty',
        options: {
          destination,
          colorize: isTerminal(destination),
          ignore: 'pid,hostname',
          translateTime: 'HH:MM:ss',
        },
      },
    });
  }
  return pino({ name, level }, pino.destination({ dest: destination, sync: false }));
}

function isTerminal(fd: number): boolean {
  const stream = fd === 2 ? process.stderr : process.stdout;
  return Boolean(stream.isTTY);
}
