import type { FeedbackRecord } from '../capture/records.ts';

/**
 * What the users, taken together, said about one served prediction.
 * - `none`: no feedback.
 * - `confirmed`: every claim agrees the predicted label was right ("correct", or a label equal to it).
 * - `wrong`: every claim says it was wrong; `label` is the label users gave, or null when they only
 *   said "incorrect".
 * - `conflict`: claims disagree (right and wrong, or two different labels): noise, not a signal.
 * - `unknown-label`: a user gave a label the model does not have; it cannot be trained on.
 */
export type FeedbackVerdict =
  | { kind: 'none' }
  | { kind: 'confirmed'; feedbackIds: string[] }
  | { kind: 'wrong'; label: string | null; feedbackIds: string[] }
  | { kind: 'conflict'; detail: string; feedbackIds: string[] }
  | { kind: 'unknown-label'; label: string; feedbackIds: string[] };

export function feedbackVerdict(
  predictedLabel: string,
  feedback: readonly FeedbackRecord[],
  labels: readonly string[],
): FeedbackVerdict {
  if (feedback.length === 0) return { kind: 'none' };
  const feedbackIds = [...new Set(feedback.map((f) => f.id))].sort();
  let saysRight = 0;
  let saysWrong = 0;
  const givenLabels = new Set<string>();
  for (const f of feedback) {
    if (f.kind === 'correct') saysRight++;
    else if (f.kind === 'incorrect') saysWrong++;
    else if (f.label !== null) {
      if (f.label === predictedLabel) saysRight++;
      else {
        saysWrong++;
        givenLabels.add(f.label);
      }
    }
  }
  if (saysRight > 0 && saysWrong > 0) {
    return {
      kind: 'conflict',
      detail: `${saysRight} say "${predictedLabel}" is right, ${saysWrong} say it is wrong`,
      feedbackIds,
    };
  }
  if (givenLabels.size > 1) {
    return {
      kind: 'conflict',
      detail: `users gave different labels: ${[...givenLabels].sort().join(', ')}`,
      feedbackIds,
    };
  }
  if (saysWrong > 0) {
    const [label = null] = givenLabels;
    if (label !== null && !labels.includes(label)) return { kind: 'unknown-label', label, feedbackIds };
    return { kind: 'wrong', label, feedbackIds };
  }
  if (saysRight > 0) return { kind: 'confirmed', feedbackIds };
  // Only "label" feedback with a null label: malformed, carries no claim.
  return { kind: 'none' };
}
