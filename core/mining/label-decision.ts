import type { FeedbackVerdict } from '../feedback/feedback-verdict.ts';
import type { AutoLabelRule } from './mining-reason.ts';

/** Why a review item comes with the label it proposes; shown to reviewers next to the proposal. */
export type ProposalBasis =
  | 'user-label' // a user gave this label
  | 'user-confirmed' // a user confirmed the served label
  | 'other-label' // "incorrect" on a binary model: the only other label
  | 'runner-up' // "incorrect" on a multi-class model: the label the model scored second
  | 'shadow-more-confident' // served and shadow disagreed: the more confident of the two
  | 'served'; // nothing better known: what the model answered

export type LabelDecision =
  | { kind: 'auto'; label: string; rule: AutoLabelRule }
  | { kind: 'review'; proposedLabel: string; proposedBecause: ProposalBasis };

export interface LabelEvidence {
  predictedLabel: string;
  confidence: number;
  scores: Readonly<Record<string, number>>;
  verdict: FeedbackVerdict;
  /**
   * Whether the rules may act on the feedback behind the verdict (see `autoLabel.trustFeedbackFrom`);
   * untrusted feedback still shapes the proposal, but a reviewer settles the label.
   */
  feedbackTrusted: boolean;
  /** The disagreeing shadow prediction, when there was one. */
  shadow: { label: string; confidence: number } | null;
}

/**
 * Settles a label without a human only for a binary model, where a user's word leaves no doubt about
 * the label: an explicit label ("user-label"), or "incorrect", which can only mean the other label
 * ("binary-flip"); and only when the config enables that rule and the feedback is trusted. Everything
 * else goes to review with the best proposal at hand.
 */
export function decideLabel(
  evidence: LabelEvidence,
  labels: readonly string[],
  rules: readonly AutoLabelRule[],
): LabelDecision {
  const { verdict, predictedLabel } = evidence;
  const binary = labels.length === 2 && labels.includes(predictedLabel);
  const otherLabels = labels.filter((label) => label !== predictedLabel);
  const allowed = (rule: AutoLabelRule) => evidence.feedbackTrusted && rules.includes(rule);

  if (verdict.kind === 'wrong') {
    if (verdict.label !== null) {
      if (binary && allowed('user-label')) return { kind: 'auto', label: verdict.label, rule: 'user-label' };
      return { kind: 'review', proposedLabel: verdict.label, proposedBecause: 'user-label' };
    }
    if (binary) {
      const other = otherLabels[0]!;
      if (allowed('binary-flip')) return { kind: 'auto', label: other, rule: 'binary-flip' };
      return { kind: 'review', proposedLabel: other, proposedBecause: 'other-label' };
    }
    const runnerUp = runnerUpLabel(evidence.scores, otherLabels);
    if (runnerUp !== null) return { kind: 'review', proposedLabel: runnerUp, proposedBecause: 'runner-up' };
    return { kind: 'review', proposedLabel: predictedLabel, proposedBecause: 'served' };
  }
  if (verdict.kind === 'confirmed') {
    return { kind: 'review', proposedLabel: predictedLabel, proposedBecause: 'user-confirmed' };
  }
  if (evidence.shadow !== null && evidence.shadow.confidence > evidence.confidence) {
    return { kind: 'review', proposedLabel: evidence.shadow.label, proposedBecause: 'shadow-more-confident' };
  }
  return { kind: 'review', proposedLabel: predictedLabel, proposedBecause: 'served' };
}

/** The highest-scored label among `candidates` (ties: alphabetical), or null without scores for them. */
function runnerUpLabel(
  scores: Readonly<Record<string, number>>,
  candidates: readonly string[],
): string | null {
  let best: string | null = null;
  for (const label of [...candidates].sort()) {
    const score = scores[label];
    if (score === undefined) continue;
    if (best === null || score > scores[best]!) best = label;
  }
  return best ?? candidates[0] ?? null;
}
