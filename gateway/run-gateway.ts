import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import { createLogger, type Logger } from '../adapters/log/logger.ts';
import { openStore } from '../adapters/store/open-store.ts';
import { type GatewayAuth, gatewayAuthFromEnvironment } from './api-key-auth.ts';
import { createGateway, type GatewayOptions, startGateway } from './create-gateway.ts';
import { redactionPolicyFromEnvironment } from './redacting-predictions.ts';
import { ThreadedCapture, type ThreadedCaptureOptions } from './threaded-capture.ts';

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
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const flags = openEmbeddedFlags(config.dataDir);
  const predictionCapture = new ThreadedCapture(
    { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
    logger.child({ component: 'capture' }),
    { redaction: redactionPolicyFromEnvironment(), ...config.capture },
  );
  const gateway = createGateway({
    store,
    flags,
    artifacts: openFileArtifactStore(config.dataDir),
    logger,
    options: { ...config.options, auth, predictionCapture },
  });
  const closeDeps = async () => {
    await flags.close();
    await store.close();
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
  if (auth.mode === 'off') {
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
