import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';

/** Where `flywheel dev` serves Temporal when nothing else is configured. */
export const EMBEDDED_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Options for Connection.connect / NativeConnection.connect (TLS, API key, gRPC metadata). */
  connectionOptions: { address: string; [option: string]: unknown };
  /** True when no Temporal cluster is configured and Flywheel's own dev server is meant. */
  embedded: boolean;
  /** Payload encryption (FLYWHEEL_PAYLOAD_KEYS): every client and worker must use the same one. */
  dataConverter?: DataConverter | undefined;
}

/**
 * Reads the standard Temporal client configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS and
 * API key variables, or a TEMPORAL_PROFILE in the Temporal config file), so the same commands work
 * against a self-hosted cluster or Temporal Cloud. With none of it, the embedded dev server. Payload
 * encryption keys (FLYWHEEL_PAYLOAD_KEYS or FLYWHEEL_PAYLOAD_KEY_FILE) belong to the target too: a
 * process that talks to Temporal without them would write plaintext into histories: the process wiring
 * reads them (workers/configured-target.ts) and hands the converter in, as this library holds no codec.
 */
export function temporalTarget(options: { dataConverter?: DataConverter | undefined } = {}): TemporalTarget {
  const config = loadClientConnectConfig();
  const configured = config.connectionOptions.address;
  const address = configured ?? EMBEDDED_TEMPORAL_ADDRESS;
  return {
    address,
    namespace: config.namespace ?? 'default',
    connectionOptions: { ...config.connectionOptions, address },
    embedded: configured === undefined,
    dataConverter: options.dataConverter,
  };
}
