import { z } from 'zod';
import { FeatureConfig } from '../model/feature-config.ts';
import { startsWith } from '../model/model-kind.ts';
import { Label } from '../model-name.ts';
import { readableIssues } from '../validation/zod-issues.ts';

export const ONNX_FORMAT = 'onnx/v1';

/**
 * What Flywheel needs to know about an `.onnx` graph to serve it: its labels, which output holds the
 * scores, and how the text gets in. Validated against the graph itself when the artifact is loaded.
 */
export const OnnxManifest = z.object({
  format: z.literal(ONNX_FORMAT),
  labels: z
    .array(Label)
    .min(2)
    .refine((labels) => new Set(labels).size === labels.length, 'labels must be distinct'),
  output: z.object({
    /** The graph output of shape [1, labels] or [labels]. */
    name: z.string().min(1),
    /** `logits` are turned into probabilities by a softmax; `probabilities` must already sum to 1. */
    holds: z.enum(['probabilities', 'logits']),
  }),
  input: z.discriminatedUnion('kind', [
    z.object({
      /** Flywheel featurises with this config and feeds the non-zero slots of one text. */
      kind: z.literal('hashed-ngrams'),
      features: FeatureConfig,
      /** int64 [n]: the slots. */
      indices: z.string().min(1).default('indices'),
      /** float32 [n]: their values (log-TF, L2-normalised, as core/model/features.ts computes). */
      values: z.string().min(1).default('values'),
    }),
    z.object({
      /** The graph takes the text itself: a string tensor of shape [1]. */
      kind: z.literal('raw-text'),
      text: z.string().min(1).default('text'),
    }),
  ]),
  /** Who trained it and how; free-form, kept for people. */
  trainer: z.string().min(1).optional(),
});
export type OnnxManifest = z.infer<typeof OnnxManifest>;

/**
 * Flywheel keeps an ONNX model as one content-addressed artifact: a first line naming the format, the
 * manifest as one line of JSON, then the `.onnx` bytes untouched.
 */
const HEADER = `${ONNX_FORMAT}\n`;

export function isOnnxBundle(bytes: Uint8Array): boolean {
  return startsWith(bytes, HEADER);
}

export function bundleOnnx(manifest: OnnxManifest, graph: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${HEADER}${JSON.stringify(manifest)}\n`);
  const bundle = new Uint8Array(head.length + graph.length);
  bundle.set(head);
  bundle.set(graph, head.length);
  return bundle;
}

export class OnnxBundleError extends Error {
  override name = 'OnnxBundleError';
}

export function unbundleOnnx(bytes: Uint8Array): { manifest: OnnxManifest; graph: Uint8Array } {
  if (!isOnnxBundle(bytes)) throw new OnnxBundleError(`the artifact does not start with "${ONNX_FORMAT}"`);
  const end = bytes.indexOf(0x0a, HEADER.length);
  if (end < 0) throw new OnnxBundleError('the ONNX artifact is truncated inside its manifest');
  return {
    manifest: parseOnnxManifest(new TextDecoder().decode(bytes.subarray(HEADER.length, end))),
    graph: bytes.subarray(end + 1),
  };
}

/** A manifest from its JSON text; anything wrong is one line naming it. */
export function parseOnnxManifest(text: string): OnnxManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new OnnxBundleError(`the ONNX manifest is not JSON: ${(error as Error).message}`);
  }
  const parsed = OnnxManifest.safeParse(raw);
  if (!parsed.success) {
    throw new OnnxBundleError(`the ONNX manifest is invalid at ${readableIssues(parsed.error).join('; ')}`);
  }
  return parsed.data;
}
