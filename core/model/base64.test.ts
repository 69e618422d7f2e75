import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToFloat32, decodeBase64, encodeBase64, float32ToBase64 } from './base64.ts';

describe('base64', () => {
  it('matches the standard encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  it('round-trips float32 values bit for bit, -0 and subnormals included', () => {
    const values = Float32Array.from([0, -0, 1.5, -3.25e-40, 3.4e38, Math.fround(Math.PI)]);
    const back = base64ToFloat32(float32ToBase64(values));
    expect(Array.from(back).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
      Array.from(values).map((v) => (Object.is(v, -0) ? '-0' : v)),
    );
  });

  it('rejects damaged text', () => {
    expect(() => decodeBase64('abc')).toThrow(/multiple of 4/);
    expect(() => decodeBase64('ab*d')).toThrow(/invalid base64 character at offset 2/);
    expect(() => decodeBase64('ab=d')).toThrow(/invalid base64 character at offset 2/);
  });

  it('decodes blocks of many megabytes, as checkpoints hold', () => {
    const values = new Float32Array(3_000_000).map((_, i) => i / 7);
    expect(base64ToFloat32(float32ToBase64(values))).toEqual(values);
  });
});
