import { describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_SHEDDING, loadSheddingFromEnvironment, shedReason } from './load-shedding.ts';

describe('load shedding settings from the environment', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(loadSheddingFromEnvironment({})).toEqual(DEFAULT_LOAD_SHEDDING);
  });

  it('reads every setting', () => {
    expect(
      loadSheddingFromEnvironment({
        FLYWHEEL_GATEWAY_MAX_IN_FLIGHT: '64',
        FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS: '250',
        FLYWHEEL_GATEWAY_RETRY_AFTER_SECONDS: ' 5 ',
      }),
    ).toEqual({ maxInFlight: 64, maxEventLoopDelayMs: 250, retryAfterSeconds: 5 });
  });

  it('turns event-loop delay shedding off with 0 or "off"', () => {
    for (const off of ['0', 'off', 'OFF']) {
      expect(
        loadSheddingFromEnvironment({ FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS: off }).maxEventLoopDelayMs,
      ).toBe(0);
    }
  });

  it('leaves delay shedding off where the loop is shared with the workers, unless asked for', () => {
    expect(loadSheddingFromEnvironment({}, { loopSharedWithWorkers: true })).toEqual({
      ...DEFAULT_LOAD_SHEDDING,
      maxEventLoopDelayMs: 0,
    });
    expect(
      loadSheddingFromEnvironment(
        { FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS: '300' },
        { loopSharedWithWorkers: true },
      ).maxEventLoopDelayMs,
    ).toBe(300);
  });

  it('refuses what is not a whole number of at least 1, naming the variable', () => {
    for (const bad of ['0', '-3', '1.5', 'many']) {
      expect(() => loadSheddingFromEnvironment({ FLYWHEEL_GATEWAY_MAX_IN_FLIGHT: bad })).toThrow(
        `FLYWHEEL_GATEWAY_MAX_IN_FLIGHT is "${bad}"; use a whole number of at least 1`,
      );
    }
  });

  it('refuses an event-loop delay bound that is not a whole number of ms, saying how to turn it off', () => {
    for (const bad of ['-1', '2.5', 'soon']) {
      expect(() => loadSheddingFromEnvironment({ FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS: bad })).toThrow(
        `FLYWHEEL_GATEWAY_MAX_EVENT_LOOP_DELAY_MS is "${bad}"; use a whole number of at least 0 (0 or "off" turns it off)`,
      );
    }
  });
});

describe('the shedding decision', () => {
  const bounds = { maxInFlight: 4, maxEventLoopDelayMs: 100 };

  it('accepts while requests are below the bound and the loop is on time', () => {
    expect(shedReason({ inFlight: 0, eventLoopDelayMs: 0 }, bounds)).toBeUndefined();
    expect(shedReason({ inFlight: 3, eventLoopDelayMs: 100 }, bounds)).toBeUndefined();
  });

  it('sheds at the in-flight bound, whatever the delay', () => {
    expect(shedReason({ inFlight: 4, eventLoopDelayMs: 0 }, bounds)).toBe('in_flight');
    expect(shedReason({ inFlight: 9, eventLoopDelayMs: 500 }, bounds)).toBe('in_flight');
  });

  it('sheds when the loop runs later than its bound, with nothing in flight', () => {
    expect(shedReason({ inFlight: 0, eventLoopDelayMs: 100.5 }, bounds)).toBe('event_loop_delay');
    expect(shedReason({ inFlight: 0, eventLoopDelayMs: 2_000 }, bounds)).toBe('event_loop_delay');
  });

  it('never sheds on delay when that bound is 0 (off)', () => {
    expect(
      shedReason({ inFlight: 0, eventLoopDelayMs: 10_000 }, { maxInFlight: 4, maxEventLoopDelayMs: 0 }),
    ).toBeUndefined();
  });

  it('sheds on a capture falling behind only when nothing else refuses, and asks it only then', () => {
    let asked = 0;
    const behind = () => {
      asked++;
      return true;
    };
    expect(shedReason({ inFlight: 4, eventLoopDelayMs: 0, captureFallingBehind: behind }, bounds)).toBe(
      'in_flight',
    );
    expect(shedReason({ inFlight: 0, eventLoopDelayMs: 500, captureFallingBehind: behind }, bounds)).toBe(
      'event_loop_delay',
    );
    expect(asked).toBe(0);
    expect(shedReason({ inFlight: 0, eventLoopDelayMs: 0, captureFallingBehind: behind }, bounds)).toBe(
      'capture_backlog',
    );
    expect(
      shedReason({ inFlight: 0, eventLoopDelayMs: 0, captureFallingBehind: () => false }, bounds),
    ).toBeUndefined();
  });
});
