import { z } from 'zod';
import { Label, ModelName } from '../model-name.ts';

/** Which arm of a rollout answered (or, for shadow, ran beside) a request. */
export const Variant = z.enum(['champion', 'canary', 'shadow']);
export type Variant = z.infer<typeof Variant>;

/** One captured prediction. Shadow predictions point at the served one through `servedPredictionId`. */
export const PredictionRecord = z.object({
  id: z.string().min(1),
  model: ModelName,
  modelVersion: z.string().min(1),
  variant: Variant,
  text: z.string(),
  label: Label,
  confidence: z.number().min(0).max(1),
  scores: z.record(z.string(), z.number()),
  userKey: z.string().nullable(),
  servedPredictionId: z.string().nullable(),
  latencyMs: z.number().min(0),
  /** Free-form input metadata the caller sent (e.g. a data group), kept for slices. */
  metadata: z.record(z.string(), z.string()).default({}),
  createdAt: z.number().int(),
});
export type PredictionRecord = z.infer<typeof PredictionRecord>;

/** What a user said about a prediction. `label` is set when kind is "label". */
export const FeedbackKind = z.enum(['correct', 'incorrect', 'label']);
export type FeedbackKind = z.infer<typeof FeedbackKind>;

export const FeedbackRecord = z.object({
  /**
   * Sending the same feedback twice records it once: the client's `feedbackId`, or, when it sent none,
   * a key the gateway derives from the prediction, the user and the verdict.
   */
  id: z.string().min(1),
  predictionId: z.string().min(1),
  model: ModelName,
  kind: FeedbackKind,
  label: Label.nullable(),
  userKey: z.string().nullable(),
  /**
   * Whether the feedback came from the user who got the answer: both carry the same, non-null user key.
   * Anyone holding a prediction id can send feedback on it; auto-label rules trust only these by default.
   */
  fromPredictionUser: z.boolean(),
  createdAt: z.number().int(),
});
export type FeedbackRecord = z.infer<typeof FeedbackRecord>;

/** A point in the capture stream: rows with a larger sequence number came later. */
export const CaptureWatermark = z.object({
  predictionSeq: z.number().int().min(0),
  feedbackSeq: z.number().int().min(0),
});
export type CaptureWatermark = z.infer<typeof CaptureWatermark>;
export const START_OF_CAPTURE: CaptureWatermark = { predictionSeq: 0, feedbackSeq: 0 };
