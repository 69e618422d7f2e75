import { dataConverterFromEnvironment } from '../adapters/temporal-codec/data-converter.ts';
import { type TemporalTarget, temporalTarget } from '../client/connection.ts';

/**
 * The Temporal this process is configured for (client/connection.ts), with the payload codec its
 * environment names (FLYWHEEL_PAYLOAD_KEYS or FLYWHEEL_PAYLOAD_KEY_FILE): every process that talks to
 * Temporal starts here, so none writes plaintext into histories where encryption is configured.
 */
export function configuredTemporalTarget(): TemporalTarget {
  return temporalTarget({ dataConverter: dataConverterFromEnvironment() });
}
