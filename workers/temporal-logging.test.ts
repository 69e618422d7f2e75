import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../test/support/capturing-logger.ts';
import { temporalLoggerFor } from './temporal-logging.ts';

describe('temporalLoggerFor', () => {
  it('logs the SDK’s notice of a worker without workflows at info, every other warning at warn', () => {
    const { log, lines } = capturingLogger('debug');
    const temporal = temporalLoggerFor(log);
    temporal.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'training' });
    temporal.warn('Activity heartbeat timed out');
    temporal.error('Worker failed');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, 'No workflows registered, not polling for workflow tasks'],
      [40, 'Activity heartbeat timed out'],
      [50, 'Worker failed'],
    ]);
    expect(lines[0]).toMatchObject({ taskQueue: 'training' });
  });
});
