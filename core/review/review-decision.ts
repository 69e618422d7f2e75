import { z } from 'zod';
import { Label } from '../model-name.ts';

/**
 * Who decided. No colon (so a reviewer can never pass for an auto-label rule, `rule:…`) and no comma
 * (dataset lineage joins the deciders of an item with commas).
 */
export const ReviewerId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/,
    'letters, digits and . _ @ + -, starting with a letter or digit, at most 64',
  );
export type ReviewerId = z.infer<typeof ReviewerId>;

/** An item as a reviewer names it: its full review id, its content hash, or a unique prefix of the hash. */
const ItemRefs = z.array(z.string().min(1).max(200)).min(1).max(500);
const Note = z.string().max(500).optional();

export const REVIEW_ACTIONS = ['approve', 'correct', 'reject', 'approve-all-remaining'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/**
 * One reviewer's decision, as the `decide` update takes it and as every signal is turned into:
 * approve keeps the proposed label, correct sets a label, reject leaves the items out of the dataset,
 * approve-all-remaining approves every item still open that this reviewer has not voted on.
 */
export const ReviewDecision = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve'), reviewer: ReviewerId, items: ItemRefs, note: Note }),
  z.strictObject({
    action: z.literal('correct'),
    reviewer: ReviewerId,
    items: ItemRefs,
    label: Label,
    note: Note,
  }),
  z.strictObject({ action: z.literal('reject'), reviewer: ReviewerId, items: ItemRefs, note: Note }),
  z.strictObject({ action: z.literal('approve-all-remaining'), reviewer: ReviewerId, note: Note }),
]);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/**
 * A reviewer taking back their vote on one item (the `retract` update): the vote before their last
 * override counts again, or they have no vote on it.
 */
export const ReviewRetraction = z.strictObject({
  reviewer: ReviewerId,
  item: z.string().min(1).max(200),
  note: Note,
});
export type ReviewRetraction = z.infer<typeof ReviewRetraction>;

/**
 * A signal's payload with its action taken from the signal's name: `approve` with
 * `{"reviewer": "alice", "items": ["3f2a9c01"]}` is the decision `{action: "approve", …}`. Anything that
 * is not an object stays as it is, so that validation refuses it with a reason.
 */
export function decisionFromSignal(action: ReviewAction, payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  return { ...payload, action };
}
