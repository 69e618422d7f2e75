/**
 * Numbers as reasons show them: rounded enough to read, not so much that a failing figure looks equal
 * to its threshold (4 decimals; a value that only differs further out is shown in full).
 */
export function figure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Number(value.toFixed(4));
  return String(rounded === 0 && value !== 0 ? Number(value.toPrecision(2)) : rounded);
}

/** A change with its sign always shown: "+0.012", "−0.03" (a real minus sign, easy to spot). */
export function signedFigure(value: number): string {
  if (value === 0) return '0';
  return value > 0 ? `+${figure(value)}` : `−${figure(-value)}`;
}

/** A share as a percentage to two decimals: 0.0525 → "5.25%", 1/3 → "33.33%"; tiny shares keep two digits. */
export function percent(share: number): string {
  const value = share * 100;
  if (!Number.isFinite(value)) return `${value}%`;
  const rounded = Number(value.toFixed(2));
  return `${rounded === 0 && value !== 0 ? Number(value.toPrecision(2)) : rounded}%`;
}

/** A signed relative change as a percentage: 0.25 → "+25%". */
export function signedPercent(share: number): string {
  if (share === 0) return '0%';
  return share > 0 ? `+${percent(share)}` : `−${percent(-share)}`;
}
