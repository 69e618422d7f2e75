import { z } from 'zod';
import { Label, ModelName } from '../model-name.ts';

/** Train items feed the trainer; holdout measures it; golden holds corrected mistakes never trained on. */
export const Split = z.enum(['train', 'holdout', 'golden']);
export type Split = z.infer<typeof Split>;

/** Who or what decided an item's label. */
export const LabelSource = z.object({
  kind: z.enum(['seed', 'auto', 'human']),
  /** Corpus name, rule name, or the reviewer's identity. */
  by: z.string().min(1),
  cycle: z.number().int().nullable(),
  batchId: z.string().nullable(),
});
export type LabelSource = z.infer<typeof LabelSource>;

export const DatasetItem = z.object({
  /** Content hash of the text: the same text is the same item. */
  id: z.string().min(1),
  text: z.string(),
  label: Label,
  split: Split,
  source: LabelSource,
  /** Data group (e.g. corpus group or era) for slices. */
  group: z.string().nullable(),
  /** The captured prediction it came from, when it did. */
  predictionId: z.string().nullable(),
  /** Why it was mined (e.g. "negative-feedback"), when it was. */
  reason: z.string().nullable(),
});
export type DatasetItem = z.infer<typeof DatasetItem>;

/** An immutable dataset version; id = content hash of its items and parent. */
export const DatasetVersion = z.object({
  id: z.string().min(1),
  model: ModelName,
  parentId: z.string().nullable(),
  cycle: z.number().int().nullable(),
  batchId: z.string().nullable(),
  counts: z.object({ train: z.number().int(), holdout: z.number().int(), golden: z.number().int() }),
  createdAt: z.number().int(),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;
