import { z } from 'zod';
import { FeatureConfig } from '../../core/model/feature-config.ts';

/**
 * The contract between Flywheel and an external training program (README.md tells it to users):
 * a manifest file in, JSON lines on stdout while it runs, a result file out.
 */
export const EXTERNAL_PROTOCOL = 'flywheel.external-trainer/v1';

/** Written by Flywheel; its path is the program's last argument (and FLYWHEEL_TRAINING_MANIFEST). */
export const TrainingManifest = z.object({
  protocol: z.literal(EXTERNAL_PROTOCOL),
  trainer: z.string(),
  datasetId: z.string().nullable(),
  labels: z.array(z.string()).min(2),
  /** JSON lines of {"text": ..., "label": ...}. */
  trainPath: z.string(),
  holdoutPath: z.string(),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  /** The featurisation the artifact should declare (core/model/features.ts), defaults filled in. */
  features: FeatureConfig,
  /** Where the program writes its artifact, checkpoints and result; it exists and is empty. */
  outputDir: z.string(),
  /** Where the program writes its result (inside outputDir). */
  resultPath: z.string(),
  /** A checkpoint file the program wrote in an earlier attempt of this request, or null. */
  resumeFrom: z.string().nullable(),
  /** The built-in artifact format, the one a trainer writes unless it returns an ONNX graph. */
  artifactFormat: z.string(),
  /** Every artifact format this deployment loads (e.g. "onnx/v1": see `manifest` in the result). */
  artifactFormats: z.array(z.string()).default([]),
});
export type TrainingManifest = z.infer<typeof TrainingManifest>;

/** One stdout line. Lines that are not JSON objects with one of these types are treated as log output. */
export const TrainerEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    epoch: z.number().int().min(1),
    of: z.number().int().min(1),
    loss: z.number().optional(),
    metrics: z.record(z.string(), z.number()).optional(),
  }),
  z.object({
    type: z.literal('checkpoint'),
    epoch: z.number().int().min(1),
    /** A file inside outputDir, relative to it (or absolute). */
    path: z.string().min(1),
  }),
]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;
export const TRAINER_EVENT_TYPES: readonly string[] = ['progress', 'checkpoint'];

/** The file at manifest.resultPath, written when training succeeded. */
export const TrainerResultFile = z.object({
  /** The artifact file inside outputDir, relative to it. */
  artifact: z.string().min(1),
  /**
   * For an `.onnx` artifact: its manifest (core/onnx/onnx-manifest.ts) inside outputDir. Flywheel bundles
   * both into one onnx/v1 artifact and checks the graph against the manifest before measuring it.
   */
  manifest: z.string().min(1).optional(),
  /** The program's own figures; kept as `reported.<name>` beside Flywheel's holdout measurement. */
  metrics: z.record(z.string(), z.number()).default({}),
  /** The params the program actually used. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** The epoch the program resumed after, when it resumed from manifest.resumeFrom. */
  resumedFromEpoch: z.number().int().min(0).nullable().default(null),
});
export type TrainerResultFile = z.infer<typeof TrainerResultFile>;
