/**
 * A gateway setting read from a variable that holds a whole number: unset or blank keeps `fallback`;
 * anything else that is not a whole number of at least `least` is refused with one line naming the
 * variable, its value and what it takes (`hint` adds to that).
 */
export function wholeNumberSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  least: number,
  hint = '',
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < least) {
    throw new Error(`${name} is "${raw}"; use a whole number of at least ${least}${hint}`);
  }
  return value;
}
