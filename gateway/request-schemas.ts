import { z } from 'zod';
import { FeedbackKind } from '../core/capture/records.ts';
import { Label, ModelName } from '../core/model-name.ts';

/** Longest text the gateway classifies, in UTF-16 code units (JavaScript's `length`). */
export const MAX_TEXT_LENGTH = 20_000;
/**
 * Largest request body in bytes. Room for a text at the limit written entirely as `\uXXXX` escapes
 * (6 bytes a character) plus metadata; anything larger is refused with 413 before it is parsed.
 */
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_USER_KEY_LENGTH = 256;
export const MAX_METADATA_ENTRIES = 32;
export const MAX_METADATA_KEY_LENGTH = 64;
export const MAX_METADATA_VALUE_LENGTH = 1024;
export const MAX_FEEDBACK_ID_LENGTH = 200;

const UserKey = z.string().min(1).max(MAX_USER_KEY_LENGTH);

const Metadata = z
  .record(z.string().min(1).max(MAX_METADATA_KEY_LENGTH), z.string().max(MAX_METADATA_VALUE_LENGTH))
  .refine((entries) => Object.keys(entries).length <= MAX_METADATA_ENTRIES, {
    message: `must have at most ${MAX_METADATA_ENTRIES} entries`,
    params: { code: 'too_many_entries' },
  });

/** Body of `POST /v1/models/:model/predict`. Unknown fields are refused so typos do not pass silently. */
export const PredictRequest = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(MAX_TEXT_LENGTH)
    .refine((text) => text.trim().length > 0, {
      message: 'must contain a character other than whitespace',
      params: { code: 'empty' },
    }),
  userKey: UserKey.nullish(),
  metadata: Metadata.optional(),
});
export type PredictRequest = z.infer<typeof PredictRequest>;

export const PredictParams = z.object({ model: ModelName });

/** Answer of `POST /v1/models/:model/predict`. */
export const PredictResponse = z.object({
  predictionId: z.string(),
  label: z.string(),
  confidence: z.number(),
  scores: z.record(z.string(), z.number()),
  modelVersion: z.string(),
  variant: z.enum(['champion', 'canary']),
});
export type PredictResponse = z.infer<typeof PredictResponse>;

/**
 * Body of `POST /v1/predictions/:id/feedback`; `label` goes with kind "label" and only with it. Without a
 * `feedbackId` the gateway derives one (see derived-feedback-id.ts).
 */
export const FeedbackRequest = z
  .strictObject({
    feedbackId: z.string().min(1).max(MAX_FEEDBACK_ID_LENGTH).nullish(),
    kind: FeedbackKind,
    label: Label.nullish(),
    userKey: UserKey.nullish(),
  })
  .superRefine((body, ctx) => {
    if (body.kind === 'label' && (body.label === undefined || body.label === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['label'],
        message: 'is required when kind is "label"',
        params: { code: 'required' },
      });
    }
    if (body.kind !== 'label' && body.label !== undefined && body.label !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['label'],
        message: `goes only with kind "label" (kind is "${body.kind}")`,
        params: { code: 'not_allowed' },
      });
    }
  });
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;

export const FeedbackParams = z.object({ id: z.string().min(1).max(200) });

/** Answers of `POST /v1/predictions/:id/feedback`: recorded now (201) or already (200). */
export const FeedbackRecorded = z.strictObject({ recorded: z.literal(true) });
export const FeedbackDuplicate = z.strictObject({ recorded: z.literal(false), duplicate: z.literal(true) });
