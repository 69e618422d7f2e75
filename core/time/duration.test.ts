import { describe, expect, it } from 'vitest';
import { Duration, formatDuration, parseDurationText } from './duration.ts';

describe('duration', () => {
  it('reads readable durations and plain milliseconds', () => {
    expect(parseDurationText('90s')).toBe(90_000);
    expect(parseDurationText('1h30m')).toBe(5_400_000);
    expect(parseDurationText('1.5h')).toBe(5_400_000);
    expect(parseDurationText('250ms')).toBe(250);
    expect(parseDurationText('2 d')).toBe(172_800_000);
    expect(Duration.parse(1234)).toBe(1234);
    expect(Duration.parse('1w')).toBe(604_800_000);
  });

  it('refuses what is not a duration', () => {
    expect(parseDurationText('soon')).toBeNull();
    expect(parseDurationText('10')).toBeNull();
    expect(parseDurationText('h')).toBeNull();
    expect(Duration.safeParse('ten minutes').success).toBe(false);
    expect(Duration.safeParse(-5).success).toBe(false);
  });

  it('formats for people', () => {
    expect(formatDuration(7_800_000)).toBe('2h10m');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(97_200_000)).toBe('1d3h');
    expect(formatDuration(300)).toBe('300ms');
  });
});
