import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec.ts';
import { type PayloadKeyRing, payloadKeysFromEnvironment } from './payload-keys.ts';

/** The data converter every client and worker of this process uses: encryption when keys are set. */
export function dataConverterFor(ring: PayloadKeyRing | null): DataConverter | undefined {
  return ring ? { payloadCodecs: [new AesGcmPayloadCodec(ring)] } : undefined;
}

/** As configured by FLYWHEEL_PAYLOAD_KEYS / FLYWHEEL_PAYLOAD_KEY_FILE; undefined when neither is set. */
export function dataConverterFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): DataConverter | undefined {
  return dataConverterFor(payloadKeysFromEnvironment(env));
}
