import { describe, expect, it } from 'vitest';
import { captureQueueFromEnvironment, DEFAULT_THREADED_CAPTURE_OPTIONS } from './threaded-capture.ts';

describe('FLYWHEEL_GATEWAY_CAPTURE_QUEUE', () => {
  it('keeps the default bound when unset or blank', () => {
    expect(captureQueueFromEnvironment({})).toBe(DEFAULT_THREADED_CAPTURE_OPTIONS.maxQueued);
    expect(captureQueueFromEnvironment({ FLYWHEEL_GATEWAY_CAPTURE_QUEUE: '  ' })).toBe(20_000);
  });

  it('takes a whole number of predictions', () => {
    expect(captureQueueFromEnvironment({ FLYWHEEL_GATEWAY_CAPTURE_QUEUE: '200000' })).toBe(200_000);
  });

  it('refuses what is not a whole number of at least 1, naming the variable', () => {
    for (const bad of ['0', '-5', '1e3.5', 'lots']) {
      expect(() => captureQueueFromEnvironment({ FLYWHEEL_GATEWAY_CAPTURE_QUEUE: bad })).toThrow(
        `FLYWHEEL_GATEWAY_CAPTURE_QUEUE is "${bad}"; use a whole number of at least 1`,
      );
    }
  });
});
