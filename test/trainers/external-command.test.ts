import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CorpusMessage, loadSpamAssassin } from '../../adapters/corpus/spamassassin.ts';
import { modelKinds } from '../../adapters/models/model-kinds.ts';
import { createExternalCommandTrainer } from '../../adapters/trainers/external-command.ts';
import type { TrainingProgress, TrainingRequest } from '../../adapters/trainers/trainer.ts';
import { splitItems } from '../../core/datasets/split.ts';
import { deserializeClassifier } from '../../core/model/artifact.ts';
import { DEFAULT_FEATURES } from '../../core/model/feature-config.ts';
import type { LinearTextModel } from '../../core/model/linear-model.ts';
import { linearModelGraph, linearModelManifest } from '../../core/onnx/linear-graph.ts';

const PYTHON_EXAMPLE = path.resolve(import.meta.dirname, '../../examples/trainers/logistic_regression.py');
const TORCH_EXAMPLE = path.resolve(import.meta.dirname, '../../examples/trainers/torch_bag_of_embeddings.py');
let workRoot: string;
let request: TrainingRequest;

/** An even mix of spam and ham from the era-1 split, small enough for a pure-Python trainer. */
function balanced(messages: readonly CorpusMessage[], perLabel: number) {
  const pick = (label: string) => messages.filter((message) => message.label === label).slice(0, perLabel);
  return [...pick('ham'), ...pick('spam')].map(({ text, label }) => ({ text, label }));
}

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(tmpdir(), 'flywheel-external-trainer-test-'));
  const era1 = splitItems(loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] }), {
    seed: 1,
    holdoutFraction: 0.2,
  });
  request = {
    datasetId: 'ds-external',
    labels: ['ham', 'spam'],
    train: balanced(era1.train, 150),
    holdout: balanced(era1.holdout, 60),
    params: { epochs: 2 },
    seed: 3,
  };
});

afterAll(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

/** A trainer whose program is a few lines of Python given inline; the manifest path is sys.argv[1]. */
function inline(code: string, options: { killGraceMs?: number } = {}) {
  return createExternalCommandTrainer({
    name: 'inline@1',
    command: [
      'python3',
      '-c',
      `import json, os, sys, time\nmanifest = json.load(open(sys.argv[1]))\n${code}`,
    ],
    workRoot,
    ...options,
  });
}

describe('external-command trainer, with the example Python trainer', () => {
  it('trains end to end: progress and checkpoints relayed, an artifact the gateway format loads, the same features', async () => {
    const trainer = createExternalCommandTrainer({
      name: 'python/logistic-regression@1',
      command: ['python3', PYTHON_EXAMPLE],
      workRoot,
    });
    const progress: TrainingProgress[] = [];
    const checkpoints: number[] = [];
    const result = await trainer.train({
      ...request,
      onProgress: (p) => void progress.push(p),
      onCheckpoint: (bytes, at) => {
        expect(bytes.length).toBeGreaterThan(0);
        checkpoints.push(at.epoch);
      },
    });
    expect(progress.map((p) => [p.epoch, p.epochs])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(progress[1]!.loss).toBeLessThan(progress[0]!.loss!);
    expect(checkpoints).toEqual([1, 2]);
    const loaded = deserializeClassifier(result.artifact);
    expect(loaded.metadata).toMatchObject({
      trainer: 'python/logistic-regression@1',
      datasetId: 'ds-external',
      seed: 3,
    });
    expect(result.metrics.holdoutSize).toBe(120);
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    // Python measured its model on the same holdout with its own featuriser: agreement to within one
    // message shows it computes the same hashed features as core/model.
    expect(
      Math.abs(result.metrics['reported.holdoutAccuracy']! - result.metrics.accuracy!),
    ).toBeLessThanOrEqual(1 / 120);
    expect(result.params).toEqual({ epochs: 2, learningRate: 0.5, l2: 1e-6 });
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('resumed from the checkpoint of an aborted attempt, ends with the same artifact as an uninterrupted run', async () => {
    const trainer = createExternalCommandTrainer({
      name: 'python/lr@1',
      command: ['python3', PYTHON_EXAMPLE],
      workRoot,
    });
    const whole = await trainer.train(request);
    const controller = new AbortController();
    let saved: Uint8Array | null = null;
    const attempt = trainer.train({
      ...request,
      signal: controller.signal,
      onCheckpoint: (bytes, at) => {
        if (at.epoch !== 1) return;
        saved = bytes;
        controller.abort(new Error('worker lost'));
      },
    });
    await expect(attempt).rejects.toThrow('worker lost');
    const retried = await trainer.train({ ...request, resumeFrom: saved });
    expect(retried.resumedFromEpoch).toBe(1);
    expect(retried.artifact).toEqual(whole.artifact);
  });
});

describe('external-command trainer, protocol failures', () => {
  it('quotes the last stderr lines of a program that fails', async () => {
    const trainer = inline('for i in range(30): print(f"problem {i}", file=sys.stderr)\nsys.exit(3)');
    const failure = trainer.train(request);
    await expect(failure).rejects.toThrow(
      /exited with code 3; last stderr lines:\nproblem 10\n[\s\S]*problem 29$/,
    );
    await expect(failure).rejects.not.toThrow(/problem 9\n/);
  });

  it('explains a missing or invalid result', async () => {
    await expect(inline('pass').train(request)).rejects.toThrow(/exited 0 but wrote no result file/);
    const writeResult = (result: string) =>
      inline(`open(manifest["resultPath"], "w").write(${JSON.stringify(result)})`).train(request);
    await expect(writeResult('not json')).rejects.toThrow(/result file is not JSON/);
    await expect(writeResult('{"metrics": {}}')).rejects.toThrow(/result is invalid[\s\S]*artifact/);
    await expect(writeResult('{"artifact": "model.json"}')).rejects.toThrow(
      /names artifact "model.json", which does not exist/,
    );
    await expect(writeResult('{"artifact": "../manifest.json"}')).rejects.toThrow(
      /not inside its output folder/,
    );
  });

  it('refuses an artifact Flywheel cannot serve', async () => {
    const trainer = inline(
      'open(os.path.join(manifest["outputDir"], "model.pkl"), "w").write("{\\"format\\": \\"pickle\\"}")\n' +
        'open(manifest["resultPath"], "w").write(\'{"artifact": "model.pkl"}\')',
    );
    await expect(trainer.train(request)).rejects.toThrow(
      /wrote an artifact Flywheel cannot load: classifier artifact has format "pickle"/,
    );
  });

  it('stops the program at a malformed event line', async () => {
    const trainer = inline(
      'print(json.dumps({"type": "progress", "epoch": "one"}), flush=True)\ntime.sleep(60)',
      {
        killGraceMs: 500,
      },
    );
    const started = Date.now();
    await expect(trainer.train(request)).rejects.toThrow(/stdout line 1 is a malformed "progress" event/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('kills the program and its children on abort', async () => {
    const trainer = inline(
      'import subprocess\nchild = subprocess.Popen(["sleep", "60"])\n' +
        'print(json.dumps({"type": "progress", "epoch": 1, "of": 2, "metrics": {"pid": os.getpid(), "child": child.pid}}), flush=True)\n' +
        'time.sleep(60)',
    );
    const controller = new AbortController();
    let pids: number[] = [];
    const run = trainer.train({
      ...request,
      signal: controller.signal,
      onProgress: (p) => {
        pids = [p.metrics.pid!, p.metrics.child!];
        controller.abort(new Error('cancelled by the cycle'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by the cycle');
    await expect.poll(() => pids.filter(isAlive), { timeout: 10_000 }).toEqual([]);
    expect(pids).toHaveLength(2);
  });

  it("reports its program's CPU-seconds while it runs, for the training budget", async () => {
    // The program spends at least 0.3 s of CPU, says so, and waits: the figure is read while it runs.
    const trainer = inline(
      'while time.process_time() < 0.3:\n    pass\n' +
        'print(json.dumps({"type": "progress", "epoch": 1, "of": 2}), flush=True)\n' +
        'time.sleep(60)',
    );
    const controller = new AbortController();
    let cpuSeconds = 0;
    const run = trainer.train({
      ...request,
      signal: controller.signal,
      onCpuSeconds: (seconds) => {
        cpuSeconds = Math.max(cpuSeconds, seconds);
      },
      onProgress: () => controller.abort(new Error('stopped by the test')),
    });
    await expect(run).rejects.toThrow('stopped by the test');
    // Clock ticks are 1/100 s: the figure is the 0.3 s spent, to a tick.
    expect(cpuSeconds).toBeGreaterThanOrEqual(0.29);
  });

  it('refuses invalid feature settings and labels before running anything', async () => {
    const trainer = inline('raise SystemExit("must not run")');
    await expect(trainer.train({ ...request, params: { features: { dimension: 1000 } } })).rejects.toThrow(
      /params.features are invalid[\s\S]*power of two/,
    );
    await expect(trainer.train({ ...request, labels: ['ham', 'phish'] })).rejects.toThrow(
      /label "spam", not one of: ham, phish/,
    );
    expect(await readdir(workRoot)).toEqual([]);
  });

  it('says when the program cannot be started', async () => {
    const trainer = createExternalCommandTrainer({
      name: 'x@1',
      command: ['/nonexistent/trainer'],
      workRoot,
    });
    await expect(trainer.train(request)).rejects.toThrow(
      /could not start trainer command "\/nonexistent\/trainer/,
    );
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('external-command trainer returning ONNX', () => {
  const model: LinearTextModel = {
    labels: ['ham', 'spam'],
    features: { ...DEFAULT_FEATURES, dimension: 1024 },
    weights: new Float32Array(1024 * 2).map((_, i) => Math.cos(i)),
    bias: Float32Array.from([0, 0]),
  };

  /** A program that hands back the given graph bytes and manifest as its ONNX artifact. */
  async function returning(graph: Uint8Array, manifest: unknown) {
    const source = await mkdtemp(path.join(workRoot, 'onnx-source-'));
    await writeFile(path.join(source, 'model.onnx'), graph);
    await writeFile(path.join(source, 'model.manifest.json'), JSON.stringify(manifest));
    return inline(
      `import shutil\nfor name in ["model.onnx", "model.manifest.json"]: shutil.copy(os.path.join(${JSON.stringify(source)}, name), manifest["outputDir"])\n` +
        'open(manifest["resultPath"], "w").write(\'{"artifact": "model.onnx", "manifest": "model.manifest.json"}\')',
    );
  }

  it('bundles the graph and its manifest into one onnx/v1 artifact that Flywheel measures itself', async () => {
    const trainer = await returning(linearModelGraph(model, 'test'), linearModelManifest(model));
    const result = await trainer.train(request);
    expect(modelKinds.kindOf(result.artifact).format).toBe('onnx/v1');
    expect(result.metrics.holdoutSize).toBe(request.holdout.length);
    expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('refuses, in one line, a truncated graph, a missing output, unnormalised probabilities and labels that differ from the dataset', async () => {
    const graph = linearModelGraph(model, 'test');
    const manifest = linearModelManifest(model);
    const refusal = async (trainer: Promise<ReturnType<typeof inline>>) => {
      const error = (await (await trainer).train(request).catch((e: unknown) => e)) as Error;
      expect(error.message).not.toContain('\n');
      return error.message;
    };
    expect(await refusal(returning(graph.subarray(0, 5000), manifest))).toMatch(
      /^trainer "inline@1" wrote an artifact Flywheel cannot load: the .onnx graph cannot be loaded \(corrupt or truncated\?\)/,
    );
    expect(
      await refusal(returning(graph, { ...manifest, output: { name: 'scores', holds: 'probabilities' } })),
    ).toBe(
      'trainer "inline@1" wrote an artifact Flywheel cannot load: the manifest reads output "scores" but the graph\'s outputs are [probabilities]',
    );
    const logits = linearModelGraph(model, 'test', { output: 'logits' });
    expect(
      await refusal(returning(logits, { ...manifest, output: { name: 'logits', holds: 'probabilities' } })),
    ).toMatch(/graph output "logits" is declared to hold probabilities but they sum to -?[\d.]+, not 1/);
    expect(await refusal(returning(graph, { ...manifest, labels: ['spam', 'ham'] }))).toBe(
      'trainer "inline@1" artifact has labels [spam, ham], the dataset [ham, spam]',
    );
  });

  it('the PyTorch example: cancelled after its first checkpoint, resumed from it, ends with an ONNX model', async () => {
    const trainer = createExternalCommandTrainer({
      name: 'torch/bag-of-embeddings@1',
      command: ['/usr/bin/python3', TORCH_EXAMPLE],
      workRoot,
      killGraceMs: 1_000,
    });
    const abort = new AbortController();
    let checkpoint: Uint8Array | null = null;
    const stopped = await trainer
      .train({
        ...request,
        params: { epochs: 3 },
        signal: abort.signal,
        onCheckpoint: (bytes) => {
          checkpoint = bytes;
          abort.abort(new Error('cancelled by the test'));
        },
      })
      .catch((e: unknown) => e);
    expect((stopped as Error).message).toMatch(/cancelled by the test/);
    expect(checkpoint).not.toBeNull();

    const progress: number[] = [];
    const result = await trainer.train({
      ...request,
      params: { epochs: 3 },
      resumeFrom: checkpoint,
      onProgress: (p) => void progress.push(p.epoch),
    });
    expect(result.resumedFromEpoch).toBe(1);
    expect(progress).toEqual([2, 3]);
    expect(modelKinds.kindOf(result.artifact).format).toBe('onnx/v1');
    const predictor = await modelKinds.load(result.artifact);
    expect(predictor.input.kind).toBe('hashed-ngrams');
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
  }, 180_000);
});
