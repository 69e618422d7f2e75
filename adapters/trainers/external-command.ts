import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARTIFACT_FORMAT } from '../../core/model/artifact.ts';
import { DEFAULT_FEATURES, FeatureConfig } from '../../core/model/feature-config.ts';
import { ModelKindError, type ModelPredictor } from '../../core/model/model-kind.ts';
import { bundleOnnx, OnnxBundleError, parseOnnxManifest } from '../../core/onnx/onnx-manifest.ts';
import { readableIssues } from '../../core/validation/zod-issues.ts';
import { modelKinds } from '../models/model-kinds.ts';
import {
  EXTERNAL_PROTOCOL,
  TRAINER_EVENT_TYPES,
  TrainerEvent,
  TrainerResultFile,
  type TrainingManifest,
} from './external-protocol.ts';
import { checkLabels, holdoutMetrics } from './holdout-metrics.ts';
import {
  ArtifactRefusedError,
  type Trainer,
  type TrainingExample,
  type TrainingRequest,
  type TrainingResult,
} from './trainer.ts';
import { runTrainerProcess } from './trainer-process.ts';

export interface ExternalCommandTrainerOptions {
  /** Name and version recorded with every model it trains, e.g. "python/logistic-regression@1". */
  name: string;
  /** The program and its first arguments (no shell); the manifest path is appended. */
  command: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Parent folder of each run's working folder (default: the system temp folder). */
  workRoot?: string;
  /** Keep the working folder after the run, for debugging (default false). */
  keepWorkDir?: boolean;
  /** Time between SIGTERM and SIGKILL when a run is aborted (default 5 s). */
  killGraceMs?: number;
}

/**
 * Trains with any program that speaks the protocol in external-protocol.ts and README.md: Flywheel
 * writes the data and a manifest to a fresh folder, runs the program, relays its progress and
 * checkpoints, then checks its result and artifact. The artifact is a Flywheel classifier artifact or
 * an `.onnx` graph with its manifest (any kind in adapters/models/model-kinds.ts), loaded and measured on
 * the holdout by Flywheel itself.
 */
export function createExternalCommandTrainer(options: ExternalCommandTrainerOptions): Trainer {
  if (options.command.length === 0)
    throw new Error(`external trainer "${options.name}" has an empty command`);
  return { name: options.name, train: (request) => trainExternally(options, request) };
}

async function trainExternally(
  options: ExternalCommandTrainerOptions,
  request: TrainingRequest,
): Promise<TrainingResult> {
  checkLabels(request.labels, [...request.train, ...request.holdout]);
  request.signal?.throwIfAborted();
  const workDir = await mkdtemp(path.join(options.workRoot ?? tmpdir(), 'flywheel-train-'));
  try {
    const manifestPath = await writeRunFolder(workDir, options.name, request);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as TrainingManifest;
    const relay = eventRelay(manifest.outputDir, request);
    await runTrainerProcess({
      command: [...options.command, manifestPath],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { ...options.env, FLYWHEEL_TRAINING_MANIFEST: manifestPath },
      onLine: relay,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onCpuSeconds ? { onCpuSeconds: request.onCpuSeconds } : {}),
      killGraceMs: options.killGraceMs ?? 5_000,
      stderrLines: 20,
    });
    return await readResult(options.name, manifest, request);
  } finally {
    if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}

async function writeRunFolder(workDir: string, trainer: string, request: TrainingRequest): Promise<string> {
  const outputDir = path.join(workDir, 'output');
  await mkdir(outputDir);
  const trainPath = path.join(workDir, 'train.jsonl');
  const holdoutPath = path.join(workDir, 'holdout.jsonl');
  await writeFile(trainPath, jsonLines(request.train));
  await writeFile(holdoutPath, jsonLines(request.holdout));
  let resumeFrom: string | null = null;
  if (request.resumeFrom) {
    resumeFrom = path.join(workDir, 'resume.checkpoint');
    await writeFile(resumeFrom, request.resumeFrom);
  }
  const features = FeatureConfig.safeParse({ ...DEFAULT_FEATURES, ...featureChanges(request.params) });
  if (!features.success) {
    throw new Error(`trainer params.features are invalid: ${readableIssues(features.error).join('; ')}`);
  }
  const manifest: TrainingManifest = {
    protocol: EXTERNAL_PROTOCOL,
    trainer,
    datasetId: request.datasetId,
    labels: [...request.labels],
    trainPath,
    holdoutPath,
    params: request.params,
    seed: request.seed,
    features: features.data,
    outputDir,
    resultPath: path.join(outputDir, 'result.json'),
    resumeFrom,
    artifactFormat: ARTIFACT_FORMAT,
    artifactFormats: modelKinds.formats,
  };
  const manifestPath = path.join(workDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifestPath;
}

/** `params.features`, the feature settings to change from the defaults, when it is an object. */
function featureChanges(params: Record<string, unknown>): Record<string, unknown> {
  const changes = params.features;
  return typeof changes === 'object' && changes !== null && !Array.isArray(changes)
    ? (changes as Record<string, unknown>)
    : {};
}

function jsonLines(examples: readonly TrainingExample[]): string {
  return examples
    .map((example) => `${JSON.stringify({ text: example.text, label: example.label })}\n`)
    .join('');
}

/** Turns stdout lines into progress and checkpoint callbacks; other lines are the program's own output. */
function eventRelay(outputDir: string, request: TrainingRequest): (line: string) => Promise<void> {
  let lineNumber = 0;
  let lastCheckpointAt = Date.now();
  let epochs = Number.POSITIVE_INFINITY;
  return async (line) => {
    lineNumber++;
    const value = parseObject(line);
    if (!value || !TRAINER_EVENT_TYPES.includes(String(value.type))) return;
    const parsed = TrainerEvent.safeParse(value);
    if (!parsed.success) {
      throw new Error(
        `trainer stdout line ${lineNumber} is a malformed "${value.type}" event: ${readableIssues(parsed.error).join('; ')}`,
      );
    }
    const event = parsed.data;
    if (event.type === 'progress') {
      epochs = event.of;
      await request.onProgress?.({
        epoch: event.epoch,
        epochs: event.of,
        loss: event.loss ?? null,
        metrics: event.metrics ?? {},
      });
      return;
    }
    if (!request.onCheckpoint) return;
    const last = event.epoch >= epochs;
    if (!last && Date.now() - lastCheckpointAt < (request.checkpointEveryMs ?? 0)) return;
    const bytes = await readFile(insideOutput(outputDir, event.path, 'checkpoint'));
    await request.onCheckpoint(new Uint8Array(bytes), { epoch: event.epoch });
    lastCheckpointAt = Date.now();
  };
}

function parseObject(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A path the program named, resolved inside outputDir; anything pointing elsewhere is refused. */
function insideOutput(outputDir: string, named: string, what: string): string {
  const resolved = path.resolve(outputDir, named);
  const relative = path.relative(outputDir, resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`the trainer's ${what} path "${named}" is not inside its output folder`);
  }
  return resolved;
}

async function readResult(
  trainer: string,
  manifest: TrainingManifest,
  request: TrainingRequest,
): Promise<TrainingResult> {
  let text: string;
  try {
    text = await readFile(manifest.resultPath, 'utf8');
  } catch {
    throw new Error(
      `trainer "${trainer}" exited 0 but wrote no result file (expected ${manifest.resultPath})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`trainer "${trainer}" result file is not JSON: ${(error as Error).message}`);
  }
  const parsed = TrainerResultFile.safeParse(raw);
  if (!parsed.success)
    throw new Error(`trainer "${trainer}" result is invalid: ${readableIssues(parsed.error).join('; ')}`);
  const result = parsed.data;
  const artifactPath = insideOutput(manifest.outputDir, result.artifact, 'artifact');
  const exists = await stat(artifactPath).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!exists)
    throw new Error(`trainer "${trainer}" result names artifact "${result.artifact}", which does not exist`);
  let artifact: Uint8Array = new Uint8Array(await readFile(artifactPath));
  let predictor: ModelPredictor;
  try {
    if (result.manifest !== undefined) {
      // An .onnx graph and its manifest become one content-addressed onnx/v1 artifact.
      const manifestPath = insideOutput(manifest.outputDir, result.manifest, 'manifest');
      artifact = bundleOnnx(parseOnnxManifest(await readFile(manifestPath, 'utf8')), artifact);
    }
    predictor = await modelKinds.load(artifact);
  } catch (error) {
    const known = error instanceof OnnxBundleError || error instanceof ModelKindError;
    if (!known && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ArtifactRefusedError(
      `trainer "${trainer}" wrote an artifact Flywheel cannot load: ${(error as Error).message}`,
    );
  }
  if (predictor.labels.join('\u0000') !== request.labels.join('\u0000')) {
    throw new ArtifactRefusedError(
      `trainer "${trainer}" artifact has labels [${predictor.labels.join(', ')}], the dataset [${request.labels.join(', ')}]`,
    );
  }
  const reported = Object.fromEntries(
    Object.entries(result.metrics).map(([name, value]) => [`reported.${name}`, value]),
  );
  return {
    trainer,
    artifact,
    metrics: { ...(await holdoutMetrics(predictor, request.holdout, request.labels)), ...reported },
    params: result.params,
    resumedFromEpoch: result.resumedFromEpoch,
  };
}
