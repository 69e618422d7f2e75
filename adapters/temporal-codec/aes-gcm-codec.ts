import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { PayloadKeyRing } from './payload-keys.ts';

/** The encoding an encrypted payload carries, so a codec (or the Temporal UI) knows to decrypt it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata field naming the key a payload was encrypted with (in clear: rotation needs it). */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
// @temporalio/proto is CommonJS: Node's ESM loader sees only its default export.
const ProtoPayload = proto.temporal.api.common.v1.Payload;

/** A payload names a key this process does not have: add the key (keep old keys after a rotation). */
export class UnknownPayloadKeyError extends Error {
  readonly keyId: string;
  constructor(keyId: string, known: readonly string[]) {
    super(
      `payload encrypted with key id "${keyId}", which this process does not know (known: ${known.join(', ')}); ` +
        'add that key to FLYWHEEL_PAYLOAD_KEYS or FLYWHEEL_PAYLOAD_KEY_FILE and restart',
    );
    this.name = 'UnknownPayloadKeyError';
    this.keyId = keyId;
  }
}

/**
 * Temporal's recommended way to keep data out of histories: every payload (workflow inputs, results,
 * signals, activity arguments) is serialized whole, then sealed with AES-256-GCM under the current key.
 * The key id travels in the metadata, so after a rotation older histories still decrypt with the key
 * that wrote them. Runs in the client and the worker (never in the workflow sandbox).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly ring: PayloadKeyRing;
  private readonly currentKeyId: Uint8Array;

  constructor(ring: PayloadKeyRing) {
    this.ring = ring;
    this.currentKeyId = Buffer.from(ring.current.id);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload));
  }

  private seal(payload: Payload): Payload {
    const plain = ProtoPayload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.current.key, iv);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: this.currentKeyId,
      },
      data: sealed,
    };
  }

  private open(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // Payloads written before encryption was switched on stay readable.
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes) throw new Error(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const keyId = Buffer.from(keyIdBytes).toString();
    const key = this.ring.keys.get(keyId);
    if (!key) throw new UnknownPayloadKeyError(keyId, [...this.ring.keys.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new Error(`an encrypted payload (key "${keyId}") is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new Error(
        `an encrypted payload does not open with key "${keyId}": the key under that id differs from the one that wrote it, or the payload was altered`,
      );
    }
    return ProtoPayload.decode(plain) as Payload;
  }
}
