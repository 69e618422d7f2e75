import type { ReviewCounts } from './review-ledger.ts';

/** What reviewers are told, as one line of text (a chat message); the notifier decides where it goes. */
export interface ReviewNotice {
  kind: 'reminder' | 'deadline' | 'escalation';
  model: string;
  cycleId: string;
  text: string;
}

export interface ReviewContext {
  model: string;
  number: number;
  cycleId: string;
}

export function reminderNotice(
  review: ReviewContext,
  counts: ReviewCounts,
  deadlineAt: number,
): ReviewNotice {
  return {
    kind: 'reminder',
    model: review.model,
    cycleId: review.cycleId,
    text:
      `Flywheel: ${counts.open} of ${counts.items} items of cycle ${review.number} of ${review.model} still need review; ` +
      `the review closes at ${new Date(deadlineAt).toISOString()}. ` +
      `See them with \`flywheel review show ${review.model} ${review.number}\`.`,
  };
}

/** For review.escalateTo: the review is short of the labels the cycle needs, with the deadline ahead. */
export function escalationNotice(
  review: ReviewContext,
  counts: ReviewCounts,
  labels: { auto: number; human: number },
  minLabels: number,
  deadlineAt: number,
): ReviewNotice {
  const total = labels.auto + labels.human;
  return {
    kind: 'escalation',
    model: review.model,
    cycleId: review.cycleId,
    text:
      `Flywheel: the review of cycle ${review.number} of ${review.model} is short of labels: ${total} of the ` +
      `${minLabels} needed (review.minLabelsAtDeadline), ${counts.open} of ${counts.items} items undecided. ` +
      `Unless reviewers label more by ${new Date(deadlineAt).toISOString()}, the cycle ends as review-timeout.`,
  };
}

export function deadlineNotice(
  review: ReviewContext,
  counts: ReviewCounts,
  labels: { auto: number; human: number },
  minLabels: number,
  proceeds: boolean,
): ReviewNotice {
  const decided = counts.items - counts.open;
  const total = labels.auto + labels.human;
  const next = proceeds
    ? `the cycle goes on with ${total} label(s) (${labels.auto} auto, ${labels.human} from reviewers)`
    : `${total} label(s) is fewer than the ${minLabels} needed (review.minLabelsAtDeadline): the cycle ends as review-timeout`;
  return {
    kind: 'deadline',
    model: review.model,
    cycleId: review.cycleId,
    text:
      `Flywheel: the review of cycle ${review.number} of ${review.model} closed at its deadline with ` +
      `${decided} of ${counts.items} items decided; ${next}.`,
  };
}
