import { z } from 'zod';
import { Label, ModelName } from '../model-name.ts';

/** A trained model in the registry. Its id is derived from what it was trained on and how. */
export const ModelVersion = z.object({
  id: z.string().min(1),
  model: ModelName,
  artifactSha256: z.string().regex(/^[0-9a-f]{64}$/),
  datasetId: z.string().min(1),
  labels: z.array(Label).min(2),
  trainer: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number()),
  /** Report id of the gate evaluation that blessed it, when one did. */
  blessedBy: z.string().nullable(),
  createdAt: z.number().int(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/** Named pointers into a model's versions; every move is kept as history. */
export const AliasName = z.enum(['champion', 'previous', 'candidate']);
export type AliasName = z.infer<typeof AliasName>;

export const AliasMove = z.object({
  model: ModelName,
  alias: AliasName,
  versionId: z.string().nullable(),
  previousVersionId: z.string().nullable(),
  reason: z.string(),
  actor: z.string(),
  at: z.number().int(),
});
export type AliasMove = z.infer<typeof AliasMove>;
