import { z } from 'zod';

/**
 * How a text becomes a vector, read by both the tokenizer and the featurizer. Stored in every artifact:
 * a model is only meaningful with the exact featurisation it was trained with.
 */
export const FeatureConfig = z.object({
  /** Number of hashed feature slots; a power of two so an index is a bit mask of the hash. */
  dimension: z
    .number()
    .int()
    .min(16)
    .max(2 ** 24)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  lowercase: z.boolean(),
  /** A JavaScript regular expression source, run with the `gu` flags; each match is a token. */
  tokenPattern: z
    .string()
    .min(1)
    .refine(compiles, 'must be a valid regular expression')
    .refine(
      (pattern) => !compiles(pattern) || !new RegExp(pattern, 'u').test(''),
      'must not match the empty string',
    ),
  /** Tokens past this many are ignored, which bounds the cost of one huge message. */
  maxTokens: z.number().int().min(1).max(30_000),
  /** 1: words; 2: words and pairs of adjacent words. */
  ngrams: z.union([z.literal(1), z.literal(2)]),
  /** log-tf: 1 + ln(count); tf: count; binary: 1. Every vector is then scaled to unit L2 length. */
  weighting: z.enum(['log-tf', 'tf', 'binary']),
});
export type FeatureConfig = z.infer<typeof FeatureConfig>;

export const DEFAULT_FEATURES: FeatureConfig = {
  dimension: 2 ** 18,
  lowercase: true,
  // Runs of letters or digits, plus "$" and "!" on their own: both are strong spam signals.
  tokenPattern: '[\\p{L}\\p{N}]+|[$!]',
  maxTokens: 3000,
  ngrams: 2,
  weighting: 'log-tf',
};

/** Whether two feature settings featurise every text alike (every field is a plain value). */
export function sameFeatures(a: FeatureConfig, b: FeatureConfig): boolean {
  const keys = Object.keys(a) as Array<keyof FeatureConfig>;
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'gu');
    return true;
  } catch {
    return false;
  }
}
