import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import type { AutoLabelConfig, MiningConfig } from '../cycle/cycle-config.ts';
import { type FeedbackVerdict, feedbackVerdict } from '../feedback/feedback-verdict.ts';
import { contentHash } from '../hashing/content-hash.ts';
import { decideLabel, type LabelDecision } from './label-decision.ts';
import {
  type AutoLabelledItem,
  DROP_CAUSES,
  type DropCause,
  type MinedBatch,
  type MinedItem,
  type MiningCounts,
  type ReviewCandidate,
} from './mined-batch.ts';
import { MINING_REASONS, type MiningReason } from './mining-reason.ts';
import { NearDuplicateIndex } from './near-duplicates.ts';
import { exactDuplicateKey } from './shingles.ts';

export interface MiningInput {
  /** The model's labels; two labels make it binary, which the auto-label rules rely on. */
  labels: readonly string[];
  /** Served predictions to mine, plus the shadow predictions that ran beside them. */
  predictions: readonly PredictionRecord[];
  /** Feedback on those predictions. */
  feedback: readonly FeedbackRecord[];
  /** Out-of-vocabulary word share per prediction id, measured by the caller against the model vocabulary. */
  oovRates?: Readonly<Record<string, number>>;
  /** Content hashes already in the model's dataset: mining them again would spend labels on known items. */
  knownItemIds?: readonly string[];
}

export interface MiningSettings {
  mining: MiningConfig;
  autoLabel: AutoLabelConfig;
}

export interface Candidate {
  prediction: PredictionRecord;
  reasons: MiningReason[];
  verdict: FeedbackVerdict;
  /** Every piece of feedback behind the verdict comes from someone `autoLabel.trustFeedbackFrom` trusts. */
  feedbackTrusted: boolean;
  shadow: { label: string; confidence: number } | null;
  /** Within a reason, larger goes first (see priorityOrder). */
  urgency: number;
}

const REASON_RANK = new Map(MINING_REASONS.map((reason, rank) => [reason, rank]));

/**
 * Turns captured predictions and feedback into a batch of edge cases worth labelling.
 *
 * 1. Candidates: served predictions with negative feedback, a disagreeing shadow prediction, a
 *    confidence below the threshold, or an unfamiliar input (OOV rate), as enabled in the config.
 * 2. Noise out: too-short texts, conflicting feedback, labels the model does not have.
 * 3. Priority order (deterministic): primary reason (negative feedback, shadow disagreement, low
 *    confidence, drifted input); then urgency within the reason: confident mistakes first (the model
 *    was sure and wrong), the least confident first for disagreement and low confidence, the most
 *    unfamiliar first for drift; then older first; then prediction id.
 * 4. In that order: items already in the dataset and exact duplicates of a higher-priority candidate
 *    are dropped; the label is settled by a rule or proposed for review; per-class caps apply to both,
 *    and the label budget to items needing review (auto labels cost no reviewer time); finally an item
 *    that is a near duplicate of one already in the batch is dropped.
 */
export function mineEdgeCases(input: MiningInput, settings: MiningSettings): MinedBatch {
  const counts = emptyCounts();
  const served = uniqueById(input.predictions.filter((p) => p.variant !== 'shadow'));
  const servedIds = new Set(served.map((p) => p.id));
  counts.scanned = served.length;

  const feedbackByPrediction = new Map<string, FeedbackRecord[]>();
  for (const f of uniqueById(input.feedback)) {
    if (!servedIds.has(f.predictionId)) {
      counts.unmatchedFeedback++;
      continue;
    }
    const list = feedbackByPrediction.get(f.predictionId);
    if (list) list.push(f);
    else feedbackByPrediction.set(f.predictionId, [f]);
  }

  const disagreeingShadow = new Map<string, { label: string; confidence: number }>();
  const servedById = new Map(served.map((p) => [p.id, p]));
  for (const shadow of uniqueById(input.predictions.filter((p) => p.variant === 'shadow'))) {
    const servedOne =
      shadow.servedPredictionId === null ? undefined : servedById.get(shadow.servedPredictionId);
    if (servedOne && servedOne.label !== shadow.label && !disagreeingShadow.has(servedOne.id)) {
      disagreeingShadow.set(servedOne.id, { label: shadow.label, confidence: shadow.confidence });
    }
  }

  const judge = candidateJudge(input.labels, settings);
  const candidates: Candidate[] = [];
  for (const prediction of served) {
    const candidate = judge(
      prediction,
      feedbackByPrediction.get(prediction.id) ?? [],
      disagreeingShadow.get(prediction.id) ?? null,
      input.oovRates?.[prediction.id],
    );
    if (candidate === null) continue;
    for (const reason of candidate.reasons) counts.candidates[reason]++;
    candidates.push(candidate);
  }

  candidates.sort(priorityOrder);
  return selectBatch(candidates, new Set(input.knownItemIds ?? []), input.labels, settings, counts).batch;
}

/**
 * Judges one served prediction with its feedback, its disagreeing shadow twin (if any) and its
 * out-of-vocabulary rate: a candidate with the enabled reasons that apply, or null.
 */
export function candidateJudge(labels: readonly string[], { mining, autoLabel }: MiningSettings) {
  // A config recorded before the setting existed has no value: the default, the cautious one, applies.
  const trustAnyone = autoLabel.trustFeedbackFrom === 'anyone';
  const enabled = new Set(mining.reasons);
  return (
    prediction: PredictionRecord,
    feedback: readonly FeedbackRecord[],
    shadow: { label: string; confidence: number } | null,
    oovRate: number | undefined,
  ): Candidate | null => {
    const verdict = feedbackVerdict(prediction.label, feedback, labels);
    const reasons: MiningReason[] = [];
    // Contested or unusable "wrong" feedback still makes a candidate, so that its drop shows in the counts.
    if (verdict.kind === 'wrong' || verdict.kind === 'unknown-label' || verdict.kind === 'conflict') {
      reasons.push('negative-feedback');
    }
    if (shadow !== null) reasons.push('shadow-disagreement');
    if (prediction.confidence < mining.lowConfidenceThreshold) reasons.push('low-confidence');
    if (oovRate !== undefined && oovRate >= mining.driftedInputMinOovRate) reasons.push('drifted-input');
    const applicable = reasons.filter((reason) => enabled.has(reason));
    if (applicable.length === 0) return null;
    return {
      prediction,
      reasons: applicable,
      verdict,
      feedbackTrusted: trustAnyone || feedback.every((f) => f.fromPredictionUser),
      shadow,
      urgency: urgencyOf(applicable[0]!, prediction, oovRate),
    };
  };
}

/**
 * The filters that look at one candidate alone (noise, unusable feedback, already in the dataset), in
 * the order the batch applies them: the first cause that drops it, or null. Their outcome does not
 * depend on the other candidates, so a streaming miner can apply them as candidates arrive.
 */
export function ownDropCause(
  candidate: Candidate,
  known: ReadonlySet<string>,
  mining: MiningConfig,
): DropCause | null {
  const { prediction, verdict } = candidate;
  if (prediction.text.trim().length < mining.minTextLength) return 'too-short';
  if (verdict.kind === 'conflict') return 'conflicting-feedback';
  if (verdict.kind === 'unknown-label') return 'unknown-label';
  // Hashing is the costly part of these filters: skipped when there is nothing to compare with.
  if (known.size > 0 && known.has(contentHash(prediction.text))) return 'already-known';
  return null;
}

/** The label a candidate would get or be proposed with: what its class cap and the budgets count. */
export function decisionOf(
  candidate: Candidate,
  labels: readonly string[],
  autoLabel: AutoLabelConfig,
): LabelDecision {
  return decideLabel(
    {
      predictedLabel: candidate.prediction.label,
      confidence: candidate.prediction.confidence,
      scores: candidate.prediction.scores,
      verdict: candidate.verdict,
      feedbackTrusted: candidate.feedbackTrusted,
      shadow: candidate.shadow,
    },
    labels,
    autoLabel.rules,
  );
}

/** Where the selection stood after the last candidate, before review slots were given back. */
export interface SelectionEnd {
  perClass: ReadonlyMap<string, number>;
  needsReview: number;
}

/**
 * Steps 2 to 4 over candidates already in priority order; `counts` has the scan and the candidates
 * per reason, and gets the drops and the selection.
 */
export function selectBatch(
  candidates: readonly Candidate[],
  known: ReadonlySet<string>,
  labels: readonly string[],
  { mining, autoLabel }: MiningSettings,
  counts: MiningCounts,
): { batch: MinedBatch; end: SelectionEnd } {
  const seenExact = new Set<string>();
  const nearDuplicates = new NearDuplicateIndex(mining.nearDuplicateSimilarity, mining.shingleSize);
  const perClass = new Map<string, number>();
  const autoLabelled: AutoLabelledItem[] = [];
  const needsReview: ReviewCandidate[] = [];
  const drop = (cause: DropCause) => {
    counts.dropped[cause]++;
  };

  for (const candidate of candidates) {
    const { prediction, verdict } = candidate;
    const own = ownDropCause(candidate, known, mining);
    if (own !== null) {
      drop(own);
      continue;
    }
    const id = contentHash(prediction.text);
    const exactKey = exactDuplicateKey(prediction.text);
    if (seenExact.has(exactKey)) {
      drop('duplicate');
      continue;
    }
    seenExact.add(exactKey);

    const decision = decisionOf(candidate, labels, autoLabel);
    const label = decision.kind === 'auto' ? decision.label : decision.proposedLabel;
    if (classCapReached(perClass, label, mining)) {
      drop('class-cap');
      continue;
    }
    if (decision.kind === 'review' && needsReview.length >= mining.labelBudget) {
      drop('over-budget');
      continue;
    }
    // Last, because it is the costly filter: only items that would enter the batch are compared, and
    // only with items already in it.
    if (nearDuplicates.matchOrAdd(id, prediction.text) !== null) {
      drop('near-duplicate');
      continue;
    }
    perClass.set(label, (perClass.get(label) ?? 0) + 1);

    const item: MinedItem = {
      id,
      predictionId: prediction.id,
      modelVersion: prediction.modelVersion,
      text: prediction.text,
      reason: candidate.reasons[0]!,
      reasons: candidate.reasons,
      predictedLabel: prediction.label,
      confidence: prediction.confidence,
      group: prediction.metadata[mining.groupMetadataKey] ?? null,
      feedbackIds: verdict.kind === 'none' ? [] : verdict.feedbackIds,
    };
    counts.selected[item.reason]++;
    if (decision.kind === 'auto') autoLabelled.push({ ...item, label: decision.label, rule: decision.rule });
    else
      needsReview.push({
        ...item,
        proposedLabel: decision.proposedLabel,
        proposedBecause: decision.proposedBecause,
      });
  }

  const end: SelectionEnd = { perClass, needsReview: needsReview.length };
  // Review slots follow the batch: the last (least urgent) review items give theirs back.
  const reviewSlots = humanSlots(autoLabelled.length, mining.maxHumanShare ?? null);
  while (needsReview.length > reviewSlots) {
    const item = needsReview.pop()!;
    counts.selected[item.reason]--;
    drop('over-budget');
  }

  counts.autoLabelled = autoLabelled.length;
  counts.needsReview = needsReview.length;
  return { batch: { autoLabelled, needsReview, counts }, end };
}

/** Whether a label already has as many items as its cap allows. */
export function classCapReached(
  perClass: ReadonlyMap<string, number>,
  label: string,
  mining: MiningConfig,
): boolean {
  const cap = mining.maxPerClassByLabel[label] ?? mining.maxPerClass;
  return cap !== null && (perClass.get(label) ?? 0) >= cap;
}

/** Items humans may label beside `auto` automatic labels so that they are at most `share` of all. */
export function humanSlots(auto: number, share: number | null): number {
  if (share === null || share >= 1) return Number.POSITIVE_INFINITY;
  return Math.floor((auto * share) / (1 - share) + 1e-9);
}

function urgencyOf(reason: MiningReason, prediction: PredictionRecord, oovRate: number | undefined): number {
  switch (reason) {
    case 'negative-feedback':
      return prediction.confidence;
    case 'shadow-disagreement':
    case 'low-confidence':
      return 1 - prediction.confidence;
    case 'drifted-input':
      return oovRate ?? 0;
  }
}

export function priorityOrder(a: Candidate, b: Candidate): number {
  return (
    REASON_RANK.get(a.reasons[0]!)! - REASON_RANK.get(b.reasons[0]!)! ||
    b.urgency - a.urgency ||
    a.prediction.createdAt - b.prediction.createdAt ||
    (a.prediction.id < b.prediction.id ? -1 : a.prediction.id > b.prediction.id ? 1 : 0)
  );
}

/** First occurrence of each id: the store may hand over a row twice across pages. */
function uniqueById<T extends { id: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    if (seen.has(row.id)) return false;
    seen.add(row.id);
    return true;
  });
}

export function emptyCounts(): MiningCounts {
  const perReason = () =>
    Object.fromEntries(MINING_REASONS.map((r) => [r, 0])) as Record<MiningReason, number>;
  return {
    scanned: 0,
    candidates: perReason(),
    dropped: Object.fromEntries(DROP_CAUSES.map((c) => [c, 0])) as Record<DropCause, number>,
    selected: perReason(),
    autoLabelled: 0,
    needsReview: 0,
    unmatchedFeedback: 0,
  };
}
