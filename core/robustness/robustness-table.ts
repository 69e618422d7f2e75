import { figure } from '../figures/format-figures.ts';
import { RobustnessFigure } from '../gate/evaluation-summary.ts';

/**
 * The robustness figures of a stored gate report as lines: one per perturbation family, candidate beside
 * champion. A report from before the robustness suite has none.
 */
export function robustnessLines(body: Record<string, unknown>): string[] {
  const figuresOf = (side: unknown): RobustnessFigure[] => {
    const parsed = RobustnessFigure.array().safeParse((side as { robustness?: unknown } | null)?.robustness);
    return parsed.success ? parsed.data : [];
  };
  const candidate = figuresOf(body.candidate);
  if (candidate.length === 0) return [];
  const champion = new Map(figuresOf(body.champion).map((row) => [row.family, row.accuracy]));
  const width = Math.max(...candidate.map((row) => row.family.length));
  return candidate.map((row) => {
    const theirs = champion.get(row.family);
    const versus = theirs === undefined ? 'no champion figure' : `champion ${figure(theirs)}`;
    return `${row.family.padEnd(width)}  candidate ${figure(row.accuracy)}  ${versus}  (${row.size} items)`;
  });
}
