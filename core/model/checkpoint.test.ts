import { describe, expect, it } from 'vitest';
import type { TrainingCheckpoint } from './checkpoint.ts';
import { deserializeCheckpoint, serializeCheckpoint } from './checkpoint.ts';

const checkpoint: TrainingCheckpoint = {
  fingerprint: '0123456789abcdef',
  epoch: 2,
  step: 40,
  labels: ['ham', 'spam'],
  rows: 5,
  state: Float32Array.from({ length: 5 * 6 }, (_, i) => (i % 7 === 0 ? 0 : i / 3 - 4)),
  history: [
    { epoch: 1, epochs: 3, loss: 0.5, trainAccuracy: 0.8 },
    { epoch: 2, epochs: 3, loss: 0.2, trainAccuracy: 0.9 },
  ],
};

describe('training checkpoint bytes', () => {
  it('round-trip bit for bit', () => {
    const back = deserializeCheckpoint(serializeCheckpoint(checkpoint));
    expect(back).toEqual(checkpoint);
    expect(Buffer.from(back.state.buffer)).toEqual(Buffer.from(checkpoint.state.buffer));
  });

  it('keep only rows that hold values', () => {
    const sparse = { ...checkpoint, rows: 1000, state: new Float32Array(1000 * 6) };
    sparse.state[6 * 500 + 1] = -0;
    const bytes = serializeCheckpoint(sparse);
    expect(bytes.length).toBeLessThan(1000);
    expect(Object.is(deserializeCheckpoint(bytes).state[6 * 500 + 1], -0)).toBe(true);
  });

  it('reject damage with a clear message', () => {
    const bytes = serializeCheckpoint(checkpoint);
    expect(() => deserializeCheckpoint(bytes.subarray(0, 20))).toThrow(/not UTF-8 JSON/);
    const document = JSON.parse(new TextDecoder().decode(bytes));
    document.rows = 2;
    expect(() => deserializeCheckpoint(new TextEncoder().encode(JSON.stringify(document)))).toThrow(
      /state is corrupt: row \d is out of range/,
    );
    expect(() => deserializeCheckpoint(new TextEncoder().encode('{"format":"x"}'))).toThrow(
      /checkpoint is invalid/,
    );
  });
});
