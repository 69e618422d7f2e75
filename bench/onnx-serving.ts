/**
 * Bring your own model, measured: side by side in one run on one machine,
 *   1. the gateway serving the built-in classifier vs the ONNX export of the very same model (one model
 *      registered under two names, one artifact of each kind): throughput and p99 over real HTTP,
 *      in alternating rounds so the machine's noise falls on both; then where an ONNX request's time goes
 *      (featurise, tensors, ONNX Runtime's run) against the built-in's predict, in process;
 *   2. the PyTorch example (examples/trainers/torch_bag_of_embeddings.py) beside the built-in trainer:
 *      holdout and era-2 accuracy, training time, on the SpamAssassin era-1 split every test uses.
 *
 *   node bench/onnx-serving.ts [--rounds 4] [--seconds 5] [--concurrency 8] [--skip-torch]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { moveChampion } from '../activities/rollout/move-champion.ts';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin, SPAMASSASSIN_ERAS } from '../adapters/corpus/spamassassin.ts';
import { createLogger } from '../adapters/log/logger.ts';
import { modelKinds } from '../adapters/models/model-kinds.ts';
import { sparseFeeds } from '../adapters/models/onnx-kind.ts';
import { createBuiltinTrainer } from '../adapters/trainers/builtin.ts';
import { createExternalCommandTrainer } from '../adapters/trainers/external-command.ts';
import type { Trainer } from '../adapters/trainers/trainer.ts';
import { splitItems } from '../core/datasets/split.ts';
import { deserializeClassifier } from '../core/model/artifact.ts';
import { createFeaturizer } from '../core/model/features.ts';
import { exportAsOnnx } from '../core/onnx/export-model.ts';
import { bundleOnnx } from '../core/onnx/onnx-manifest.ts';
import { runGateway } from '../gateway/run-gateway.ts';
import { openDeps } from '../workers/open-deps.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    'skip-torch': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const quiet = createLogger('bench', { destination: 2, level: 'error' });
const era2 = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-2'] });
// Mails as a gateway sees them: the same cut the gateway benchmark uses, so one request is one mail.
const texts = era2.map((message) => message.text.slice(0, 4_000));

console.log(
  `machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}, onnxruntime-node ${ort.env.versions.common}`,
);

const dataDir = await mkdtemp(path.join(tmpdir(), 'flywheel-onnx-bench-'));
try {
  await servingComparison();
  if (!values['skip-torch']) await trainerComparison();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

async function servingComparison(): Promise<void> {
  const deps = await openDeps({ dataDir, logger: quiet });
  const examples = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-1'] }).map((message) => ({
    id: message.id,
    text: message.text,
    label: message.label,
    group: message.group,
  }));
  const trained = await registerModelFromCorpus(deps, {
    model: 'bench-builtin',
    examples,
    source: 'spamassassin:era-1',
    champion: 'always',
    actor: 'bench',
  });
  const builtinVersion = (await deps.store.models.get(trained.versionId))!;
  const builtinArtifact = await deps.artifacts.get(builtinVersion.artifactSha256);
  const { graph, manifest } = exportAsOnnx(builtinArtifact, 'bench');
  const onnxSha = await deps.artifacts.put(bundleOnnx(manifest, graph));
  const onnxId = `bench-onnx-${onnxSha.slice(0, 12)}`;
  await deps.store.models.register({
    ...builtinVersion,
    id: onnxId,
    model: 'bench-onnx',
    artifactSha256: onnxSha,
  });
  await moveChampion(deps, { model: 'bench-onnx', to: onnxId, from: null, reason: 'bench', actor: 'bench' });
  await deps.close();

  const gateway = await runGateway({ dataDir, port: 0, host: '127.0.0.1', logger: quiet });
  try {
    for (const model of ['bench-builtin', 'bench-onnx']) await load(gateway.address, model, 1); // warm
    const results: Record<string, { rps: number[]; p99: number[]; p50: number[] }> = {
      'bench-builtin': { rps: [], p99: [], p50: [] },
      'bench-onnx': { rps: [], p99: [], p50: [] },
    };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['bench-builtin', 'bench-onnx'] : ['bench-onnx', 'bench-builtin'];
      for (const model of order) {
        const measured = await load(gateway.address, model, seconds);
        results[model]!.rps.push(measured.rps);
        results[model]!.p99.push(measured.p99);
        results[model]!.p50.push(measured.p50);
      }
    }
    const builtin = results['bench-builtin']!;
    const onnx = results['bench-onnx']!;
    console.log(
      `\n1. gateway, ${concurrency} concurrent clients, ${rounds} alternating rounds of ${seconds} s each (median of rounds)`,
    );
    console.log('   serving           req/s    p50 ms   p99 ms');
    for (const [name, r] of [
      ['built-in', builtin],
      ['ONNX export', onnx],
    ] as const) {
      console.log(
        `   ${name.padEnd(16)} ${median(r.rps).toFixed(0).padStart(6)}   ${median(r.p50).toFixed(2).padStart(6)}   ${median(r.p99).toFixed(2).padStart(6)}`,
      );
    }
    // Each round's pair ran back to back, so its ratio is the least disturbed figure.
    const ratios = builtin.rps.map((rps, i) => onnx.rps[i]! / rps);
    console.log(
      `   throughput ONNX / built-in: ×${median(ratios).toFixed(3)} (rounds: ${ratios.map((r) => r.toFixed(3)).join(', ')})`,
    );
    console.log(`   p99 ONNX / built-in: ×${(median(onnx.p99) / median(builtin.p99)).toFixed(3)}`);
  } finally {
    await gateway.close();
  }
  await whereTheTimeGoes(
    builtinArtifact,
    graph,
    manifest.input.kind === 'hashed-ngrams' ? manifest.input : null,
  );
}

/** Closed-loop clients over keep-alive HTTP: each sends the next mail when its answer is back. */
async function load(url: string, model: string, forSeconds: number) {
  const latencies: number[] = [];
  const until = performance.now() + forSeconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const text = texts[next++ % texts.length]!;
        const started = performance.now();
        const response = await fetch(`${url}/v1/models/${model}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        if (response.status !== 200)
          throw new Error(`${model}: HTTP ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / forSeconds,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
  };
}

async function whereTheTimeGoes(
  builtinArtifact: Uint8Array,
  graph: Uint8Array,
  input: { features: Parameters<typeof createFeaturizer>[0] } | null,
): Promise<void> {
  if (!input) return;
  const classifier = deserializeClassifier(builtinArtifact);
  const featurize = createFeaturizer(input.features);
  const session = await ort.InferenceSession.create(graph, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const sample = texts.slice(0, 1_000);
  const phase = { featurize: 0, tensors: 0, run: 0, builtin: 0 };
  for (let pass = 0; pass < 2; pass++) {
    const counting = pass === 1; // the first pass warms caches and the JIT
    for (const text of sample) {
      let t = performance.now();
      const { indices, values: weights } = featurize(text);
      const featurized = performance.now();
      const feeds = sparseFeeds({ indices, values: weights }, { indices: 'indices', values: 'values' });
      const built = performance.now();
      await session.run(feeds);
      const ran = performance.now();
      classifier.predict(text);
      const predicted = performance.now();
      if (counting) {
        phase.featurize += featurized - t;
        phase.tensors += built - featurized;
        phase.run += ran - built;
        phase.builtin += predicted - ran;
      }
      t = predicted;
    }
  }
  const per = (ms: number) => `${((ms / sample.length) * 1000).toFixed(1)} µs`;
  const onnxTotal = phase.featurize + phase.tensors + phase.run;
  console.log(`\n   where the time goes, per mail, in process (${sample.length} era-2 mails):`);
  console.log(`   built-in predict (featurise + sparse dot + softmax): ${per(phase.builtin)}`);
  console.log(
    `   ONNX: featurise ${per(phase.featurize)} + tensors ${per(phase.tensors)} + ONNX Runtime run ${per(phase.run)} = ${per(onnxTotal)}`,
  );
  // Sanity: the kind's own predictor, as the gateway runs it, answers the same.
  const predictor = await modelKinds.load(bundleOnnx(exportAsOnnx(builtinArtifact, 'bench').manifest, graph));
  const [first] = await predictor.predictBatch([sample[0]!]);
  if (first!.label !== classifier.predict(sample[0]!).label) throw new Error('ONNX and built-in disagree');
}

async function trainerComparison(): Promise<void> {
  const split = splitItems(loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-1'] }), {
    seed: 1,
    holdoutFraction: 0.2,
  });
  const request = {
    datasetId: 'spamassassin:era-1',
    labels: ['ham', 'spam'],
    train: split.train,
    holdout: split.holdout,
    params: {},
    seed: 42,
  };
  const trainers: Array<[string, Trainer]> = [
    ['built-in (logistic regression, in process)', createBuiltinTrainer()],
    [
      'PyTorch bag of embeddings (external, ONNX)',
      createExternalCommandTrainer({
        name: 'torch/bag-of-embeddings@1',
        command: [
          '/usr/bin/python3',
          new URL('../examples/trainers/torch_bag_of_embeddings.py', import.meta.url).pathname,
        ],
      }),
    ],
  ];
  console.log(
    `\n2. trainers on the era-1 split (${split.train.length} train, ${split.holdout.length} holdout), era 2 = ${era2.length} mails`,
  );
  console.log(
    '   trainer                                         train s   holdout acc   era-2 acc   artifact',
  );
  for (const [name, trainer] of trainers) {
    const started = performance.now();
    const result = await trainer.train(request);
    const trainSeconds = (performance.now() - started) / 1000;
    const predictor = await modelKinds.load(result.artifact);
    const predictions = await predictor.predictBatch(era2.map((message) => message.text));
    const era2Accuracy = predictions.filter((p, i) => p.label === era2[i]!.label).length / era2.length;
    const inside = result.metrics['reported.trainSeconds'];
    console.log(
      `   ${name.padEnd(46)} ${trainSeconds.toFixed(1).padStart(7)}   ${result.metrics.accuracy!.toFixed(4).padStart(11)}   ${era2Accuracy.toFixed(4).padStart(9)}   ${predictor.format} ${(result.artifact.length / 1e6).toFixed(1)} MB${inside === undefined ? '' : ` (${inside.toFixed(1)} s inside the program)`}`,
    );
  }
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
