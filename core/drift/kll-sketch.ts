/**
 * A KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams", 2016):
 * values go into level 0; a full level is sorted and every other value moves up one level with twice
 * the weight, so the sketch keeps O(k) values whatever the count, and two sketches merge by
 * concatenating their levels. The rank error is about 1.7/k of the count with high probability.
 *
 * The coin that picks the odd or even half comes from a seeded generator: the same values in the same
 * order give the same sketch, which keeps it safe to use anywhere, workflow code included.
 */
export const DEFAULT_KLL_K = 200;
/** How much smaller each lower level is than the one above it (the paper's c). */
const LEVEL_SHRINK = 2 / 3;

export class KllSketch {
  readonly k: number;
  private levels: number[][] = [[]];
  private retained = 0;
  private seen = 0;
  // Kept exactly (compaction may drop them): the ends of the sample anchor a distribution's sketch.
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private coin: number;

  constructor(k = DEFAULT_KLL_K, seed = 0x9e3779b9) {
    if (!Number.isInteger(k) || k < 8)
      throw new RangeError(`KLL k must be an integer of at least 8, got ${k}`);
    this.k = k;
    this.coin = seed >>> 0 || 1;
  }

  /** How many values went in. */
  get count(): number {
    return this.seen;
  }

  /** How many values the sketch holds (its memory). */
  get retainedValues(): number {
    return this.retained;
  }

  /** True while no value has been compacted away: the sketch is then the sample itself. */
  get exact(): boolean {
    return this.levels.length === 1;
  }

  add(value: number): void {
    if (Number.isNaN(value)) return;
    this.levels[0]!.push(value);
    this.retained++;
    this.seen++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.retained > this.capacityTotal()) this.compress();
  }

  /** Folds another sketch in; the other one is left as it was. */
  merge(other: KllSketch): void {
    while (this.levels.length < other.levels.length) this.levels.push([]);
    other.levels.forEach((level, h) => {
      this.levels[h]!.push(...level);
    });
    this.retained += other.retained;
    this.seen += other.seen;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    while (this.retained > this.capacityTotal()) this.compress();
  }

  /** The retained values with their weights, smallest first. */
  weightedValues(): { value: number; weight: number }[] {
    const weighted = this.levels.flatMap((level, h) => level.map((value) => ({ value, weight: 2 ** h })));
    return weighted.sort((a, b) => a.value - b.value);
  }

  /**
   * Estimates of the order statistics at round(q·(count − 1)) (0-based) for each q in [0, 1]: the
   * smallest retained value whose cumulative weight passes that rank. Exact while the sketch is, and
   * always at the ends (q = 0 is the minimum, q = 1 the maximum).
   */
  quantiles(qs: readonly number[]): number[] {
    if (this.seen === 0) return [];
    const weighted = this.weightedValues();
    return qs.map((q) => {
      if (q <= 0) return this.min;
      if (q >= 1) return this.max;
      const target = Math.round(q * (this.seen - 1));
      let cumulative = 0;
      for (const { value, weight } of weighted) {
        cumulative += weight;
        if (cumulative > target) return value;
      }
      return weighted[weighted.length - 1]!.value;
    });
  }

  private capacity(h: number): number {
    const depth = this.levels.length - h - 1;
    return Math.max(2, Math.ceil(this.k * LEVEL_SHRINK ** depth)) + 1;
  }

  private capacityTotal(): number {
    let total = 0;
    for (let h = 0; h < this.levels.length; h++) total += this.capacity(h);
    return total;
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h]!;
      if (level.length < this.capacity(h)) continue;
      if (h + 1 === this.levels.length) this.levels.push([]);
      level.sort((a, b) => a - b);
      // An odd value out stays at this level so that every weight is kept exactly.
      const kept = level.length % 2 === 1 ? [level.pop()!] : [];
      const offset = this.flip();
      const promoted: number[] = [];
      for (let i = offset; i < level.length; i += 2) promoted.push(level[i]!);
      this.levels[h + 1]!.push(...promoted);
      this.levels[h] = kept;
      this.retained -= level.length - promoted.length;
      if (this.retained <= this.capacityTotal()) return;
    }
  }

  /** 0 or 1 from a xorshift32 generator. */
  private flip(): number {
    let x = this.coin;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.coin = x >>> 0;
    return this.coin & 1;
  }
}
