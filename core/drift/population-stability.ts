/**
 * Population Stability Index: PSI = Σ_bins (current − reference) · ln(current / reference), over the
 * share of each sample in each bin. Rule of thumb (credit scoring, e.g. Siddiqi 2006): < 0.1 stable,
 * 0.1–0.25 some shift, > 0.25 a significant shift.
 *
 * Binning of numeric values: up to `bins` bins cut at the reference sample's quantiles, so the
 * reference spreads about evenly; cut k is the smallest reference value with at least k/bins of the
 * reference at or below it (the inverse empirical CDF). Bins are (−∞, c₁], (c₁, c₂], …, (c_last, +∞):
 * the open ends catch current values outside the reference range. Equal cut points (ties in the
 * reference) are merged, so a reference with few distinct values gets fewer bins.
 *
 * Empty bins: a share of 0 would make ln(·) infinite, so shares below `epsilon` are raised to `epsilon`
 * (default 1e-4, i.e. "less than one in ten thousand") without renormalising; a bin empty on both sides
 * contributes 0.
 */
export interface PsiOptions {
  bins?: number;
  epsilon?: number;
}

export interface PsiBin {
  /** Exclusive lower edge (−Infinity for the first bin). */
  lower: number;
  /** Inclusive upper edge (+Infinity for the last bin). */
  upper: number;
  referenceShare: number;
  currentShare: number;
  contribution: number;
}

export interface PsiResult {
  psi: number;
  bins: PsiBin[];
}

export const DEFAULT_PSI_BINS = 10;
export const DEFAULT_PSI_EPSILON = 1e-4;

export function populationStabilityIndex(
  reference: readonly number[],
  current: readonly number[],
  options: PsiOptions = {},
): PsiResult {
  const binCount = options.bins ?? DEFAULT_PSI_BINS;
  const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
  if (reference.length === 0 || current.length === 0) return { psi: 0, bins: [] };
  const cuts = quantileCuts(reference, binCount);
  const referenceCounts = countIntoBins(reference, cuts);
  const currentCounts = countIntoBins(current, cuts);
  const bins: PsiBin[] = [];
  let psi = 0;
  for (let k = 0; k <= cuts.length; k++) {
    const referenceShare = referenceCounts[k]! / reference.length;
    const currentShare = currentCounts[k]! / current.length;
    const contribution = psiTerm(referenceShare, currentShare, epsilon);
    psi += contribution;
    bins.push({
      lower: k === 0 ? Number.NEGATIVE_INFINITY : cuts[k - 1]!,
      upper: k === cuts.length ? Number.POSITIVE_INFINITY : cuts[k]!,
      referenceShare,
      currentShare,
      contribution,
    });
  }
  return { psi, bins };
}

/** PSI of two categorical distributions given as counts (e.g. the predicted-label mix). */
export function categoricalStabilityIndex(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
  epsilon = DEFAULT_PSI_EPSILON,
): number {
  const categories = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  const referenceTotal = categories.reduce((sum, c) => sum + (reference[c] ?? 0), 0);
  const currentTotal = categories.reduce((sum, c) => sum + (current[c] ?? 0), 0);
  if (referenceTotal === 0 || currentTotal === 0) return 0;
  let psi = 0;
  for (const category of categories) {
    psi += psiTerm(
      (reference[category] ?? 0) / referenceTotal,
      (current[category] ?? 0) / currentTotal,
      epsilon,
    );
  }
  return psi;
}

function psiTerm(referenceShare: number, currentShare: number, epsilon: number): number {
  if (referenceShare === 0 && currentShare === 0) return 0;
  const r = Math.max(referenceShare, epsilon);
  const c = Math.max(currentShare, epsilon);
  return (c - r) * Math.log(c / r);
}

function quantileCuts(reference: readonly number[], binCount: number): number[] {
  const sorted = [...reference].sort((x, y) => x - y);
  const cuts: number[] = [];
  for (let k = 1; k < binCount; k++) {
    const cut = sorted[Math.ceil((k * sorted.length) / binCount) - 1]!;
    // The maximum as a cut would leave the last bin for values above the reference only; merge instead.
    if (cut === sorted[sorted.length - 1]) break;
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]!) cuts.push(cut);
  }
  return cuts;
}

/** Counts per bin; bin k holds values in (cuts[k−1], cuts[k]]. */
function countIntoBins(values: readonly number[], cuts: readonly number[]): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (const value of values) {
    let low = 0;
    let high = cuts.length;
    // First cut ≥ value (binary search); past the last cut, the open last bin.
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cuts[mid]! >= value) high = mid;
      else low = mid + 1;
    }
    counts[low]!++;
  }
  return counts;
}
