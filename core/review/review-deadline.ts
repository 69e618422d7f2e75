/** Labels a cycle has once its review closed: the auto-labelled items plus what reviewers settled. */
export interface CycleLabels {
  auto: number;
  human: number;
}

/**
 * At the review deadline the cycle goes on with what is labelled when that is at least
 * `review.minLabelsAtDeadline`; otherwise it ends as `review-timeout`.
 */
export function proceedsAtDeadline(labels: CycleLabels, minLabelsAtDeadline: number): boolean {
  return labels.auto + labels.human >= minLabelsAtDeadline;
}
