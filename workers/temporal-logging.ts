import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../adapters/log/logger.ts';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * SDK warnings that say what Flywheel does on purpose, logged at info instead: the training worker
 * (`flywheel worker --training-only`, or the training queue's worker) registers no workflows.
 */
const EXPECTED_WARNINGS = new Set(['No workflows registered, not polling for workflow tasks']);

/** Temporal's logger interface over pino, so SDK, core and workflow logs land in one stream. */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const pinoLevel = level === 'WARN' && EXPECTED_WARNINGS.has(message) ? 'info' : PINO_LEVEL[level];
    logger[pinoLevel]({ ...(meta ?? {}) }, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

let installed = false;

/**
 * Installs the Temporal runtime once per process with its logs routed into pino. With
 * `sdkMetricsAddress` (host:port) the SDK's metrics are exported there in Prometheus text, with the
 * conventional `_total` counters and durations in seconds (see worker-metrics.ts, which serves them).
 */
export function installTemporalRuntime(logger: Logger, options: { sdkMetricsAddress?: string } = {}): void {
  if (installed) return;
  Runtime.install({
    // The SDK is chatty at info (bundle reports, state changes); FLYWHEEL_TEMPORAL_LOG_LEVEL opens it up.
    logger: temporalLoggerFor(
      logger.child({ component: 'temporal' }, { level: process.env.FLYWHEEL_TEMPORAL_LOG_LEVEL ?? 'warn' }),
    ),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'WARN' } },
      ...(options.sdkMetricsAddress
        ? {
            metrics: {
              prometheus: {
                bindAddress: options.sdkMetricsAddress,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : {}),
    },
  });
  installed = true;
}
