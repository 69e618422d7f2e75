import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import {
  type Candidate,
  candidateJudge,
  classCapReached,
  decisionOf,
  emptyCounts,
  type MiningSettings,
  ownDropCause,
  priorityOrder,
  selectBatch,
} from './mine-edge-cases.ts';
import type { MinedBatch, MiningCounts } from './mined-batch.ts';
import { exactDuplicateKey } from './shingles.ts';

/** One served prediction with everything mining judges it by. */
export interface ServedEvidence {
  prediction: PredictionRecord;
  /** Every piece of feedback on it. */
  feedback: readonly FeedbackRecord[];
  /** Its first shadow twin that answered differently, if any. */
  shadow: { label: string; confidence: number } | null;
  oovRate?: number;
}

/**
 * Joins one page of capture the way mineEdgeCases joins its lists: each served prediction of the page
 * with its feedback and its first disagreeing shadow twin (`shadows` in capture order). Feedback on
 * anything but a served prediction of the page (e.g. on a shadow row) is counted as unmatched.
 */
export function servedEvidence(page: {
  predictions: readonly PredictionRecord[];
  shadows: readonly PredictionRecord[];
  feedback: readonly FeedbackRecord[];
  oovRates?: Readonly<Record<string, number>>;
}): { evidence: ServedEvidence[]; unmatchedFeedback: number } {
  const served = page.predictions.filter((p) => p.variant !== 'shadow');
  const byId = new Map(served.map((p) => [p.id, p]));
  const feedbackOf = new Map<string, FeedbackRecord[]>();
  const seenFeedback = new Set<string>();
  let unmatchedFeedback = 0;
  for (const f of page.feedback) {
    if (seenFeedback.has(f.id)) continue;
    seenFeedback.add(f.id);
    if (!byId.has(f.predictionId)) {
      unmatchedFeedback++;
      continue;
    }
    const list = feedbackOf.get(f.predictionId);
    if (list) list.push(f);
    else feedbackOf.set(f.predictionId, [f]);
  }
  const disagreeing = new Map<string, { label: string; confidence: number }>();
  const seenShadows = new Set<string>();
  for (const shadow of page.shadows) {
    if (shadow.variant !== 'shadow' || seenShadows.has(shadow.id)) continue;
    seenShadows.add(shadow.id);
    const servedOne = shadow.servedPredictionId === null ? undefined : byId.get(shadow.servedPredictionId);
    if (servedOne && servedOne.label !== shadow.label && !disagreeing.has(servedOne.id)) {
      disagreeing.set(servedOne.id, { label: shadow.label, confidence: shadow.confidence });
    }
  }
  const evidence = served.map((prediction): ServedEvidence => {
    const oovRate = page.oovRates?.[prediction.id];
    return {
      prediction,
      feedback: feedbackOf.get(prediction.id) ?? [],
      shadow: disagreeing.get(prediction.id) ?? null,
      ...(oovRate === undefined ? {} : { oovRate }),
    };
  });
  return { evidence, unmatchedFeedback };
}

/**
 * Where a stream got to, small enough for a heartbeat: the counts so far, the ids of the candidates it
 * keeps (their rows are read again on resume) and the tallies of those it let go.
 */
export interface EdgeCaseStreamState {
  counts: MiningCounts;
  kept: string[];
  /** Candidates let go past the capacity, by the label they would get and whether a human would label it. */
  letGo: { label: string; review: boolean; count: number }[];
}

/** A mined batch, and how many candidates were let go past the stream's capacity without a known cause. */
export interface StreamedBatch extends MinedBatch {
  /** 0 unless more candidates arrived than the stream keeps; see EdgeCaseStream. */
  beyondCapacity: number;
}

/**
 * mineEdgeCases over a capture read one page at a time, in memory bounded by `capacity` candidates
 * whatever the volume.
 *
 * Each served prediction is judged as it arrives; the filters that look at one candidate alone
 * (too short, conflicting or unusable feedback, already in the dataset) drop it at once, and of exact
 * duplicates only the highest-priority one stays (the one the batch would keep). The rest are kept in
 * priority order, at most `capacity` of them; the batch is selected from them at the end exactly as
 * mineEdgeCases selects. Up to `capacity` kept candidates the batch and every count are the ones
 * mineEdgeCases gives on the same capture. Past it, the least urgent candidates are let go: one whose
 * label's class cap, or (for review) the label budget, was full when the batch was selected is counted
 * under that cause, as mineEdgeCases would; any other is counted in `beyondCapacity`. A candidate let go
 * is not compared with the others, so an exact duplicate among them is counted under those causes
 * rather than as a duplicate.
 */
export class EdgeCaseStream {
  readonly #labels: readonly string[];
  readonly #settings: MiningSettings;
  readonly #capacity: number;
  readonly #known: ReadonlySet<string>;
  readonly #judge: ReturnType<typeof candidateJudge>;
  readonly #counts: MiningCounts;
  /** Best first (priorityOrder). */
  readonly #kept: Candidate[] = [];
  readonly #keptByExactKey = new Map<string, Candidate>();
  readonly #exactKeyOf = new Map<Candidate, string>();
  readonly #letGo = new Map<string, { label: string; review: boolean; count: number }>();

  constructor(
    input: { labels: readonly string[]; knownItemIds?: readonly string[] },
    settings: MiningSettings,
    options: { capacity: number; resumeFrom?: EdgeCaseStreamState },
  ) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${options.capacity}`);
    }
    this.#labels = input.labels;
    this.#settings = settings;
    this.#capacity = options.capacity;
    this.#known = new Set(input.knownItemIds ?? []);
    this.#judge = candidateJudge(input.labels, settings);
    const state = options.resumeFrom;
    this.#counts = state ? structuredClone(state.counts) : emptyCounts();
    for (const tally of state?.letGo ?? [])
      this.#letGo.set(letGoKey(tally.label, tally.review), { ...tally });
  }

  /** Mines one served prediction. */
  scan(evidence: ServedEvidence): void {
    this.#counts.scanned++;
    const candidate = this.#judgeEvidence(evidence);
    if (candidate === null) return;
    for (const reason of candidate.reasons) this.#counts.candidates[reason]++;
    const own = ownDropCause(candidate, this.#known, this.#settings.mining);
    if (own !== null) {
      this.#counts.dropped[own]++;
      return;
    }
    // Full, and less urgent than every kept candidate: let go before its text is even keyed.
    if (this.#kept.length >= this.#capacity && priorityOrder(candidate, this.#kept.at(-1)!) >= 0) {
      this.#tallyLetGo(candidate);
      return;
    }
    const key = exactDuplicateKey(candidate.prediction.text);
    const twin = this.#keptByExactKey.get(key);
    if (twin) {
      this.#counts.dropped.duplicate++;
      if (priorityOrder(candidate, twin) >= 0) return;
      this.#remove(twin);
    }
    this.#keep(candidate, key);
  }

  /**
   * Takes back a candidate a stream kept before a restart (see `state().kept`), judged on its current
   * evidence; counted already, so no count moves.
   */
  restore(evidence: ServedEvidence): void {
    const candidate = this.#judgeEvidence(evidence);
    if (candidate === null || ownDropCause(candidate, this.#known, this.#settings.mining) !== null) return;
    const key = exactDuplicateKey(candidate.prediction.text);
    if (this.#keptByExactKey.has(key)) return;
    this.#keep(candidate, key);
  }

  /** Feedback the caller found on no served prediction (a shadow's, a deleted prediction's). */
  countUnmatchedFeedback(count: number): void {
    this.#counts.unmatchedFeedback += count;
  }

  get keptCount(): number {
    return this.#kept.length;
  }

  state(): EdgeCaseStreamState {
    return {
      counts: structuredClone(this.#counts),
      kept: this.#kept.map((c) => c.prediction.id),
      letGo: [...this.#letGo.values()].map((tally) => ({ ...tally })),
    };
  }

  finish(): StreamedBatch {
    const counts = structuredClone(this.#counts);
    const { batch, end } = selectBatch(this.#kept, this.#known, this.#labels, this.#settings, counts);
    let beyondCapacity = 0;
    for (const { label, review, count } of this.#letGo.values()) {
      if (classCapReached(end.perClass, label, this.#settings.mining)) counts.dropped['class-cap'] += count;
      else if (review && end.needsReview >= this.#settings.mining.labelBudget)
        counts.dropped['over-budget'] += count;
      else beyondCapacity += count;
    }
    return { ...batch, counts, beyondCapacity };
  }

  #judgeEvidence({ prediction, feedback, shadow, oovRate }: ServedEvidence): Candidate | null {
    return this.#judge(prediction, feedback, shadow, oovRate);
  }

  #keep(candidate: Candidate, key: string): void {
    const full = this.#kept.length >= this.#capacity;
    if (full && priorityOrder(candidate, this.#kept[this.#kept.length - 1]!) >= 0) {
      this.#tallyLetGo(candidate);
      return;
    }
    this.#kept.splice(this.#insertionIndex(candidate), 0, candidate);
    this.#keptByExactKey.set(key, candidate);
    this.#exactKeyOf.set(candidate, key);
    if (full) {
      const worst = this.#kept.pop()!;
      this.#forget(worst);
      this.#tallyLetGo(worst);
    }
  }

  #remove(candidate: Candidate): void {
    const index = this.#insertionIndex(candidate);
    this.#kept.splice(index, 1);
    this.#forget(candidate);
  }

  #forget(candidate: Candidate): void {
    this.#keptByExactKey.delete(this.#exactKeyOf.get(candidate)!);
    this.#exactKeyOf.delete(candidate);
  }

  /** The first position whose candidate does not go before `candidate` (binary search). */
  #insertionIndex(candidate: Candidate): number {
    let low = 0;
    let high = this.#kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (priorityOrder(this.#kept[middle]!, candidate) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #tallyLetGo(candidate: Candidate): void {
    const decision = decisionOf(candidate, this.#labels, this.#settings.autoLabel);
    const label = decision.kind === 'auto' ? decision.label : decision.proposedLabel;
    const review = decision.kind === 'review';
    const key = letGoKey(label, review);
    const tally = this.#letGo.get(key);
    if (tally) tally.count++;
    else this.#letGo.set(key, { label, review, count: 1 });
  }
}

function letGoKey(label: string, review: boolean): string {
  return `${review ? 'review' : 'auto'}:${label}`;
}
