import { z } from 'zod';

/** A model's name: what users put in URLs, workflow ids and CLI arguments. */
export const ModelName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'lowercase letters, digits and dashes, starting with a letter or digit, at most 63',
  );
export type ModelName = z.infer<typeof ModelName>;

/** A class label of a model (e.g. "ham", "spam"). */
export const Label = z.string().min(1).max(64);
export type Label = z.infer<typeof Label>;
