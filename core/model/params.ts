import { z } from 'zod';

/**
 * Optimiser settings of the built-in trainer (multinomial logistic regression, mini-batch Adam).
 * Every field has a default, so `{}` is a valid request. The defaults were chosen on the SpamAssassin
 * era-1 split (bench/trainer.ts): three epochs already reach holdout accuracy 0.99 at three split seeds,
 * and eight epochs were no better, only slower.
 */
export const TrainingParams = z.object({
  epochs: z.number().int().min(1).max(1000).default(3),
  batchSize: z.number().int().min(1).max(65536).default(32),
  learningRate: z.number().positive().max(10).default(0.04),
  /** L2 penalty on the weights (not the biases), applied to the coordinates each batch touches. */
  l2: z.number().min(0).max(1).default(1e-6),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  /**
   * Train this many runs — seeds seed, seed + 1, … (each its own example order, the same data) — and return
   * the mean of their weights. The loss is convex, so the mean is a model too, and a steadier one: one run's
   * last mini-batches move a small model by up to a point on a drifted holdout (bench/cycle-levers.ts).
   * Costs that many trainings. Optional (absent is one run), so runs that do not set it keep their checkpoint
   * fingerprints.
   */
  averagedRuns: z.number().int().min(1).max(16).optional(),
});
export type TrainingParams = z.infer<typeof TrainingParams>;
export type TrainingParamsInput = z.input<typeof TrainingParams>;
