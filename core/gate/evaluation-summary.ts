import { z } from 'zod';

/** Metric name → value, e.g. { accuracy: 0.94, macroF1: 0.93 }. */
export const MetricSet = z.record(z.string(), z.number());
export type MetricSet = z.infer<typeof MetricSet>;

/** Metrics of one slice of the holdout set: the items of one true label, or of one data group. */
export const SliceMetrics = z.object({
  kind: z.enum(['label', 'group']),
  name: z.string(),
  size: z.number().int().min(0),
  metrics: MetricSet,
});
export type SliceMetrics = z.infer<typeof SliceMetrics>;

/** Accuracy on the holdout as one perturbation family rewrote it. */
export const RobustnessFigure = z.object({
  family: z.string(),
  size: z.number().int().min(0),
  accuracy: z.number(),
});
export type RobustnessFigure = z.infer<typeof RobustnessFigure>;

/**
 * What the gate needs to know about one model, measured on the same sets for candidate and champion.
 * Computed by the evaluation activity; the gate only compares.
 */
export const EvaluationSummary = z.object({
  holdout: MetricSet,
  /** Null while there is no golden set yet (first cycles). */
  golden: MetricSet.nullable(),
  slices: z.array(SliceMetrics),
  /** Of this cycle's mined mistakes (final label ≠ served label), how many this model labels right. */
  minedMistakes: z.object({ total: z.number().int().min(0), fixed: z.number().int().min(0) }).nullable(),
  /** Per perturbation family of the holdout; absent in reports from before the robustness suite. */
  robustness: z.array(RobustnessFigure).optional(),
});
export type EvaluationSummary = z.infer<typeof EvaluationSummary>;

/** One rule the gate applied. `value` and `threshold` are in the rule's own terms (see `detail`). */
export interface GateCheck {
  name: string;
  kind: 'value' | 'change' | 'slice' | 'fix-rate' | 'robustness';
  value: number | null;
  threshold: number;
  passed: boolean;
  /** One readable line with the figures. */
  detail: string;
}

export interface GateVerdict {
  passed: boolean;
  /** Why: the failed checks' lines when it failed, every check's line when it passed. */
  reasons: string[];
  checks: GateCheck[];
  /** Rules that could not be applied, and why (no champion, no golden set, a small slice…). */
  notes: string[];
}
