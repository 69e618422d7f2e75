import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, test } from 'vitest';
import { AesGcmPayloadCodec, KEY_ID_METADATA, UnknownPayloadKeyError } from './aes-gcm-codec.ts';
import { parsePayloadKeys, payloadKeysFromEnvironment } from './payload-keys.ts';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const secret = 'alice@example.com wrote: call me on +44 20 7946 0958';

describe('AesGcmPayloadCodec', () => {
  test('a payload seals under the current key, names it in clear, and opens back to the same value', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k2=${k2},k1=${k1}`, 'test'));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ text: secret })]);
    expect(Buffer.from(sealed!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('alice');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ text: secret });
  });

  test('after a rotation, payloads written under the old key still open', async () => {
    const before = new AesGcmPayloadCodec(parsePayloadKeys(`k1=${k1}`, 'test'));
    const after = new AesGcmPayloadCodec(parsePayloadKeys(`k2=${k2}\nk1=${k1}`, 'test'));
    const sealed = await before.encode([defaultPayloadConverter.toPayload(secret)]);
    expect(defaultPayloadConverter.fromPayload((await after.decode(sealed))[0]!)).toBe(secret);
  });

  test('an unknown key id is refused with an error naming it and how to fix it', async () => {
    const writer = new AesGcmPayloadCodec(parsePayloadKeys(`k2=${k2}`, 'test'));
    const reader = new AesGcmPayloadCodec(parsePayloadKeys(`k1=${k1}`, 'test'));
    const sealed = await writer.encode([defaultPayloadConverter.toPayload(secret)]);
    const failure = await reader.decode(sealed).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnknownPayloadKeyError);
    expect((failure as Error).message).toMatch(/key id "k2".*known: k1.*FLYWHEEL_PAYLOAD_KEYS/);
  });

  test('a different key under the same id, or an altered payload, is refused and never returns garbage', async () => {
    const writer = new AesGcmPayloadCodec(parsePayloadKeys(`k1=${k1}`, 'test'));
    const impostor = new AesGcmPayloadCodec(parsePayloadKeys(`k1=${k2}`, 'test'));
    const [sealed] = await writer.encode([defaultPayloadConverter.toPayload(secret)]);
    await expect(impostor.decode([sealed!])).rejects.toThrow(/does not open with key "k1"/);
    const altered = Buffer.from(sealed!.data!);
    altered[20] = (altered[20] ?? 0) ^ 1;
    await expect(writer.decode([{ ...sealed!, data: altered }])).rejects.toThrow(/altered/);
  });

  test('payloads written before encryption was switched on pass through', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k1=${k1}`, 'test'));
    const plain = defaultPayloadConverter.toPayload({ a: 1 });
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('payload keys', () => {
  test('bad configuration names what is wrong', () => {
    expect(() => parsePayloadKeys('', 'X')).toThrow(/X holds no key/);
    expect(() => parsePayloadKeys('k1', 'X')).toThrow(/not id=<base64 key>/);
    expect(() => parsePayloadKeys(`k1=${randomBytes(16).toString('base64')}`, 'X')).toThrow(
      /16 bytes; AES-256 needs 32/,
    );
    expect(() => parsePayloadKeys(`k 1=${k1}`, 'X')).toThrow(/key id "k 1"/);
    expect(() => parsePayloadKeys(`k1=${k1},k1=${k2}`, 'X')).toThrow(/appears twice/);
  });

  test('off unless configured; the first key is current', () => {
    expect(payloadKeysFromEnvironment({})).toBeNull();
    const ring = payloadKeysFromEnvironment({ FLYWHEEL_PAYLOAD_KEYS: `k2=${k2}, k1=${k1}` });
    expect(ring?.current.id).toBe('k2');
    expect([...(ring?.keys.keys() ?? [])]).toEqual(['k2', 'k1']);
    expect(() =>
      payloadKeysFromEnvironment({ FLYWHEEL_PAYLOAD_KEYS: `k1=${k1}`, FLYWHEEL_PAYLOAD_KEY_FILE: '/x' }),
    ).toThrow(/not both/);
    expect(() => payloadKeysFromEnvironment({ FLYWHEEL_PAYLOAD_KEY_FILE: '/nonexistent/keys' })).toThrow(
      /cannot be read/,
    );
  });
});
