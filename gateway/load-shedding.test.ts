import { describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_SHEDDING, loadSheddingFromEnvironment } from './load-shedding.ts';

describe('load shedding settings from the environment', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(loadSheddingFromEnvironment({})).toEqual(DEFAULT_LOAD_SHEDDING);
  });

  it('reads both settings', () => {
    expect(
      loadSheddingFromEnvironment({
        FLYWHEEL_GATEWAY_MAX_IN_FLIGHT: '64',
        FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS: ' 5 ',
      }),
    ).toEqual({ maxInFlight: 64, retryAfterSeconds: 5 });
  });

  it('refuses what is not a whole number of at least 1, naming the variable', () => {
    for (const bad of ['0', '-3', '1.5', 'many']) {
      expect(() => loadSheddingFromEnvironment({ FLYWHEEL_GATEWAY_MAX_IN_FLIGHT: bad })).toThrow(
        `FLYWHEEL_GATEWAY_MAX_IN_FLIGHT is "${bad}"; use a whole number of at least 1`,
      );
    }
  });
});
