import { z } from 'zod';

/** Whether a larger value of a metric is an improvement (accuracy) or a regression (error rate). */
export const MetricDirection = z.enum(['higher-is-better', 'lower-is-better']);
export type MetricDirection = z.infer<typeof MetricDirection>;

/** The evaluation sets the gate reads: the holdout split, and the golden set of corrected mistakes. */
export const EvaluationSet = z.enum(['holdout', 'golden']);
export type EvaluationSet = z.infer<typeof EvaluationSet>;
