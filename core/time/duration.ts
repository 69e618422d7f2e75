import { z } from 'zod';

/**
 * A span of time in configuration: milliseconds as a number, or a readable string such as "90s",
 * "30m", "4h", "1d", "1h30m". Parsed to whole milliseconds, which Temporal accepts wherever it wants a
 * duration, so workflows never parse strings themselves.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/** Milliseconds of a duration string, or null when it is not one. */
export function parseDurationText(text: string): number | null {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  if (!WHOLE.test(compact)) return null;
  let total = 0;
  for (const match of compact.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}

export const Duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDurationText(value);
  if (ms === null || !Number.isInteger(ms) || ms < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a duration (use whole milliseconds or e.g. "90s", "30m", "4h", "1d", "1h30m")`,
    });
    return z.NEVER;
  }
  return ms;
});
export type Duration = z.output<typeof Duration>;

/** "2h10m", "45s", "1d3h": for reasons and logs. Rounds down to whole seconds above a second. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.floor(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / seconds);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * seconds;
  }
  return parts.join('');
}
