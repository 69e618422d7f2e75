import { openArtifactStore } from '../adapters/artifacts/open-artifact-store.ts';
import { openFlags } from '../adapters/flags/open-flags.ts';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { openStore } from '../adapters/store/open-store.ts';
import { type GatewayAuth, gatewayAuthFromEnvironment } from './api-key-auth.ts';
import { createGateway, type GatewayOptions, startGateway } from './create-gateway.ts';
import { loadSheddingFromEnvironment } from './load-shedding.ts';
import { redactionPolicyFromEnvironment } from './redacting-predictions.ts';
import {
  captureQueueFromEnvironment,
  ThreadedCapture,
  type ThreadedCaptureOptions,
} from './threaded-capture.ts';

export interface RunGatewayConfig {
  /** The data folder shared with the workers: the embedded store, flags and artifacts live there. */
  dataDir: string;
  /** FLYWHEEL_DATABASE_URL: PostgreSQL for captured data instead of the embedded store. */
  databaseUrl?: string | undefined;
  port: number;
  host: string;
  logger?: Logger;
  /** Bounds and pace of the capture writer thread. */
  capture?: Partial<ThreadedCaptureOptions>;
  options?: Omit<GatewayOptions, 'predictionCapture' | 'capture'>;
  /**
   * Log a warning when callers need no API key (default true). The embedded stack says it once itself
   * (`flywheel dev` prints it with the addresses; the demo runs on loopback).
   */
  warnWhenOpen?: boolean;
}

export interface RunningGateway {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  address: string;
  /** Whether callers need an API key. */
  auth: GatewayAuth['mode'];
  /** Stops listening, flushes captured predictions to the store, then closes the store and flags. */
  close(): Promise<void>;
}

/** The gateway as a process runs it (`flywheel gateway`, `flywheel dev`): opens its deps and listens. */
export async function runGateway(config: RunGatewayConfig): Promise<RunningGateway> {
  const logger = config.logger ?? createLogger('gateway');
  const auth = config.options?.auth ?? gatewayAuthFromEnvironment();
  const loadShedding = config.options?.loadShedding ?? loadSheddingFromEnvironment();
  const artifacts = await openArtifactStore({ dataDir: config.dataDir, env: process.env });
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }).catch(
    (error) => {
      artifacts.close();
      throw error;
    },
  );
  let failedPolls = 0;
  const flags = await openFlags({
    dataDir: config.dataDir,
    env: process.env,
    role: 'gateway',
    // The last state read stays in service while Unleash is away; say so, once per failed poll, and
    // once when a poll succeeds again.
    onPollError: (err) => {
      failedPolls++;
      logger.warn({ err: err.message }, 'cannot refresh flags from Unleash; serving the last state read');
    },
    onPollSuccess: () => {
      if (failedPolls === 0) return;
      logger.info({ failedPolls }, 'flags refreshed from Unleash again');
      failedPolls = 0;
    },
  }).catch(async (error) => {
    await store.close();
    artifacts.close();
    throw error;
  });
  const predictionCapture = new ThreadedCapture(
    { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
    logger.child({ component: 'capture' }),
    {
      redaction: redactionPolicyFromEnvironment(),
      maxQueued: captureQueueFromEnvironment(),
      ...config.capture,
    },
  );
  const gateway = createGateway({
    store,
    flags,
    artifacts,
    logger,
    options: {
      ...config.options,
      loadShedding,
      auth,
      predictionCapture,
    },
  });
  const closeDeps = async () => {
    await flags.close();
    await store.close();
    artifacts.close();
  };
  let address: string;
  try {
    address = await startGateway(gateway, { port: config.port, host: config.host });
  } catch (error) {
    await gateway.close();
    await closeDeps();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`the gateway cannot listen on ${config.host}:${config.port}: the port is in use`, {
        cause: error,
      });
    }
    throw error;
  }
  logger.info({ address, store: store.kind, auth: auth.mode }, 'gateway listening');
  if (auth.mode === 'off' && config.warnWhenOpen !== false) {
    logger.warn(
      { address },
      'the gateway answers anyone who can reach it: set FLYWHEEL_GATEWAY_AUTH=keys and create keys with `flywheel keys create`',
    );
  }
  let closing: Promise<void> | undefined;
  return {
    address,
    auth: auth.mode,
    close() {
      closing ??= (async () => {
        await gateway.close();
        await closeDeps();
        logger.info({ captured: gateway.capture.stats() }, 'gateway stopped');
      })();
      return closing;
    },
  };
}
