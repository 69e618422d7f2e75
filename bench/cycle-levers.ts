/**
 * The demo's two cycles, offline and fast, to compare what one turn of the flywheel learns under each setting.
 *
 *   node bench/cycle-levers.ts [--seeds 7,13,21,42,99] [--settings previous-demo,lr0.12-share20,…] [--first-share 0.55]
 *                              [--try 'name={"training":{"params":{"learningRate":0.12,"averagedRuns":3}}}']
 *
 * Per seed the demo's corpus (cli/demo/demo-corpus.ts: era-2 traffic in that seed's order) meets the era-1
 * champion. Cycle 1 sees the first `--first-share` of the traffic, cycle 2 the rest, each served by the model
 * then serving; users report half of its mistakes (5% of reports wrong), as the demo's simulated users do.
 * Mining (core/mining, the setting's review budget) picks the edge cases; a reviewer labels the review items
 * correctly; the dataset version is built by core/datasets (holdout and golden shares); the candidate is trained
 * by the built-in trainer with the setting's parameters (from scratch, or from the serving model's weights) and
 * goes through the default gate (core/gate, robustness suite included): a rejected candidate leaves the
 * champion serving, as in the demo. Figures: era-2 holdout accuracy after each cycle, era-1 drop against the
 * first champion, human share of labels, and which gate rules rejected; per seed, then the worst seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_SPLIT_SEED } from '../activities/cycle/build-dataset.ts';
import { createLogger } from '../adapters/log/logger.ts';
import { loadDemoCorpus } from '../cli/demo/demo-corpus.ts';
import type { FeedbackRecord, PredictionRecord } from '../core/capture/records.ts';
import { type CycleConfig, CycleConfig as CycleConfigSchema } from '../core/cycle/cycle-config.ts';
import type { DatasetItem, DatasetVersion } from '../core/datasets/dataset.ts';
import { weightFreshLabels } from '../core/datasets/fresh-label-weight.ts';
import { type AcceptedLabel, nextDatasetVersion } from '../core/datasets/next-version.ts';
import { summarizeModel } from '../core/evaluation/summarize-model.ts';
import { evaluateGate } from '../core/gate/evaluate-gate.ts';
import { mineEdgeCases } from '../core/mining/mine-edge-cases.ts';
import { deserializeClassifier } from '../core/model/artifact.ts';
import { createClassifier, type TextClassifier } from '../core/model/linear-model.ts';
import { mulberry32 } from '../core/model/prng.ts';
import { trainClassifier } from '../core/model/train.ts';
import { perturbHoldout } from '../core/robustness/perturbed-holdout.ts';
import { era1Champion } from '../test/support/era-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';

/** One way of running a cycle: a cycle config over the demo's, and how the candidate starts. */
interface Setting {
  name: string;
  config: Record<string, unknown>;
}

/** The demo's cycle config before this bench: 6 review slots, step 0.08; every setting changes it. */
const DEMO_CONFIG = {
  mining: { labelBudget: 6 },
  training: { params: { learningRate: 0.08 } },
};
const merge = (over: Record<string, Record<string, unknown>>): Record<string, unknown> => {
  const merged: Record<string, Record<string, unknown>> = structuredClone(DEMO_CONFIG);
  for (const [section, fields] of Object.entries(over)) merged[section] = { ...merged[section], ...fields };
  return merged;
};
const SETTINGS: Setting[] = [
  { name: 'previous-demo', config: merge({}) },
  { name: 'w1', config: merge({ training: { params: { learningRate: 0.08 }, freshLabelWeight: 1 } }) },
  { name: 'w4', config: merge({ training: { params: { learningRate: 0.08 }, freshLabelWeight: 4 } }) },
  { name: 'lr0.12', config: merge({ training: { params: { learningRate: 0.12 } } }) },
  { name: 'budget10', config: merge({ mining: { labelBudget: 10 } }) },
  { name: 'budget20', config: merge({ mining: { labelBudget: 20 } }) },
  { name: 'golden0.15', config: merge({ dataset: { goldenShare: 0.15 } }) },
  {
    name: 'warm-lr0.04-e2',
    config: merge({ training: { params: { learningRate: 0.04, epochs: 2, warmStart: true } } }),
  },
  {
    name: 'warm-lr0.02-e2',
    config: merge({ training: { params: { learningRate: 0.02, epochs: 2, warmStart: true } } }),
  },
  {
    name: 'warm-lr0.08-e1',
    config: merge({ training: { params: { learningRate: 0.08, epochs: 1, warmStart: true } } }),
  },
  ...[0.16, 0.2].map((learningRate) => ({
    name: `lr${learningRate}`,
    config: merge({ training: { params: { learningRate } } }),
  })),
  {
    name: 'lr0.12-share20',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12 } },
    }),
  },
  {
    name: 'lr0.16-share20',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.16 } },
    }),
  },
  ...[1, 3].map((freshLabelWeight) => ({
    name: `lr0.12-w${freshLabelWeight}`,
    config: merge({ training: { params: { learningRate: 0.12 }, freshLabelWeight } }),
  })),
  { name: 'lr0.12-e4', config: merge({ training: { params: { learningRate: 0.12, epochs: 4 } } }) },
  { name: 'lr0.12-e2', config: merge({ training: { params: { learningRate: 0.12, epochs: 2 } } }) },
  {
    name: 'warm-lr0.04-e3',
    config: merge({ training: { params: { learningRate: 0.04, epochs: 3, warmStart: true } } }),
  },
  {
    name: 'share20-sweep-lr0.08+0.12',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { variants: [{ learningRate: 0.08 }, { learningRate: 0.12 }] },
    }),
  },
  {
    name: 'share20-sweep-e3+4@lr0.12',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12 }, variants: [{ epochs: 3 }, { epochs: 4 }] },
    }),
  },
  {
    name: 'lr0.12-share20-dedup0.5',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2, nearDuplicateSimilarity: 0.5 },
      training: { params: { learningRate: 0.12 } },
    }),
  },
  {
    name: 'lr0.12-e4-share20',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12, epochs: 4 } },
    }),
  },
  ...[3, 5].map((averagedRuns) => ({
    name: `runs${averagedRuns}-share20`,
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12, averagedRuns } },
    }),
  })),
  {
    name: 'runs3-share20-e4',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12, epochs: 4, averagedRuns: 3 } },
    }),
  },
  {
    name: 'runs3-share20-w3',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12, averagedRuns: 3 }, freshLabelWeight: 3 },
    }),
  },
  {
    name: 'runs3-share20-seed7',
    config: merge({
      mining: { labelBudget: 50, maxHumanShare: 0.2 },
      training: { params: { learningRate: 0.12, averagedRuns: 3, seed: 7 } },
    }),
  },
];

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '7,13,21,42,99' },
    settings: { type: 'string' },
    'first-share': { type: 'string', default: '0.55' },
    /** Extra settings, each `name=<cycle config JSON over the demo's>`, e.g. to try a lever before naming it. */
    try: { type: 'string', multiple: true, default: [] },
  },
});
for (const entry of values.try) {
  const at = entry.indexOf('=');
  SETTINGS.push({ name: entry.slice(0, at), config: merge(JSON.parse(entry.slice(at + 1))) });
}
const seeds = values.seeds.split(',').map(Number);
const chosen = (values.settings ?? SETTINGS.map((setting) => setting.name).join(','))
  .split(',')
  .map((name) => {
    const setting = SETTINGS.find((candidate) => candidate.name === name);
    if (!setting) throw new Error(`no setting "${name}" (have ${SETTINGS.map((s) => s.name).join(', ')})`);
    return setting;
  });
const firstShare = Number(values['first-share']);
const LABELS = ['ham', 'spam'];

interface CycleFigures {
  era2: number;
  promoted: boolean;
  failed: string[];
  auto: number;
  human: number;
  golden: number;
}

const loadAtStart = loadAverage();
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-bench-levers-'));
const deps = await openDeps({ dataDir, logger: createLogger('bench', { level: 'warn', destination: 2 }) });
try {
  const started = performance.now();
  const first = await era1Champion(deps, 'levers');
  const firstVersion = await deps.store.models.get(first.versionId);
  const firstDataset = (await deps.store.datasets.get(first.datasetId))!;
  const firstItems = await deps.store.datasets.items(first.datasetId);
  const firstModel = deserializeClassifier(await deps.artifacts.get(firstVersion!.artifactSha256));
  const era1Holdout = firstItems.filter((item) => item.split === 'holdout');
  const accuracy = (classifier: TextClassifier, set: ReadonlyArray<{ text: string; label: string }>) =>
    set.filter((item) => classifier.predict(item.text).label === item.label).length / set.length;
  const era1Before = accuracy(firstModel, era1Holdout);

  const rows: string[][] = [];
  const summary: string[][] = [];
  for (const setting of chosen) {
    const config = CycleConfigSchema.parse(setting.config);
    const perSeed: Array<{ seed: number; cycles: CycleFigures[]; era1Drop: number; humanShare: number }> = [];
    for (const seed of seeds) {
      const corpus = loadDemoCorpus(seed);
      const cut = Math.round(corpus.era2Traffic.length * firstShare);
      const windows = [corpus.era2Traffic.slice(0, cut), corpus.era2Traffic.slice(cut)];
      let champion: TextClassifier = firstModel;
      let dataset: { version: DatasetVersion; items: DatasetItem[] } = {
        version: firstDataset,
        items: firstItems,
      };
      const cycles: CycleFigures[] = [];
      for (const [index, window] of windows.entries()) {
        const figures = await runCycle({
          config,
          champion,
          dataset,
          window,
          truth: corpus.truth,
          seed: seed * 31 + index,
          cycle: index + 1,
        });
        cycles.push({ ...figures.figures, era2: 0 });
        if (figures.figures.promoted) {
          champion = figures.candidate;
          dataset = figures.dataset;
        }
        cycles.at(-1)!.era2 = accuracy(champion, corpus.era2Holdout);
      }
      const auto = cycles.reduce((sum, cycle) => sum + cycle.auto, 0);
      const human = cycles.reduce((sum, cycle) => sum + cycle.human, 0);
      const run = {
        seed,
        cycles,
        era1Drop: era1Before - accuracy(champion, era1Holdout),
        humanShare: human / Math.max(1, auto + human),
      };
      perSeed.push(run);
      const line = [
        setting.name,
        String(seed),
        ...cycles.map(
          (cycle) =>
            `${(100 * cycle.era2).toFixed(2)}%${cycle.promoted ? '' : ` ✗ ${cycle.failed.join('; ')}`} ` +
            `(${cycle.auto}+${cycle.human}, golden ${cycle.golden})`,
        ),
        `${(100 * run.era1Drop).toFixed(2)} pt`,
        `${(100 * run.humanShare).toFixed(1)}%`,
      ];
      rows.push(line);
      progress(line.join('  '));
    }
    const worst = (cycle: number) => Math.min(...perSeed.map((run) => run.cycles[cycle]?.era2 ?? 0));
    const med = (cycle: number) => median(perSeed.map((run) => run.cycles[cycle]?.era2 ?? 0));
    summary.push([
      setting.name,
      `${(100 * med(0)).toFixed(2)}% / ${(100 * worst(0)).toFixed(2)}%`,
      `${(100 * med(1)).toFixed(2)}% / ${(100 * worst(1)).toFixed(2)}%`,
      `${(100 * Math.max(...perSeed.map((run) => run.era1Drop))).toFixed(2)} pt`,
      `${(100 * Math.max(...perSeed.map((run) => run.humanShare))).toFixed(1)}%`,
      String(perSeed.filter((run) => run.cycles[0]!.era2 >= 0.955 && run.cycles[1]!.era2 >= 0.965).length),
      String(perSeed.flatMap((run) => run.cycles).filter((cycle) => !cycle.promoted).length),
    ]);
  }
  console.log("The demo's two cycles offline: era-2 holdout after cycle 1 and cycle 2 per setting");
  console.log(`${machineLine()} (at start ${loadAtStart}, at end ${loadAverage()})`);
  console.log(
    `seeds ${seeds.join(',')}; cycle 1 sees the first ${firstShare} of the era-2 traffic; first champion era-1 ` +
      `${(100 * era1Before).toFixed(2)}%; ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(
    table([
      [
        'setting',
        'cycle 1 median / worst',
        'cycle 2 median / worst',
        'worst era-1 drop',
        'worst human share',
        'seeds on target',
        'rejected',
      ],
      ...summary,
    ]),
  );
  console.log(
    table([['setting', 'seed', 'cycle 1 (auto+human labels)', 'cycle 2', 'era-1 drop', 'human'], ...rows]),
  );
} finally {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function accuracyOf(classifier: TextClassifier, set: ReadonlyArray<{ text: string; label: string }>) {
  return set.filter((item) => classifier.predict(item.text).label === item.label).length / set.length;
}

/** One cycle on one window of traffic: capture, mine, review, dataset, train, gate. */
async function runCycle(input: {
  config: CycleConfig;
  champion: TextClassifier;
  dataset: { version: DatasetVersion; items: DatasetItem[] };
  window: ReadonlyArray<{ id: string; text: string; label: string; group: string }>;
  truth: ReadonlyMap<string, string>;
  seed: number;
  cycle: number;
}) {
  const { config, champion } = input;
  const random = mulberry32(input.seed);
  const predictions: PredictionRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  let at = 1;
  for (const message of input.window) {
    const answer = champion.predict(message.text);
    const prediction: PredictionRecord = {
      id: `p-${input.cycle}-${at}`,
      model: 'levers',
      modelVersion: `v${input.cycle}`,
      variant: 'champion',
      text: message.text,
      label: answer.label,
      confidence: answer.confidence,
      scores: answer.scores,
      userKey: `user-${Math.floor(random() * 400)}`,
      servedPredictionId: null,
      latencyMs: 1,
      metadata: { group: message.group },
      createdAt: at++,
    };
    predictions.push(prediction);
    if (answer.label !== message.label && random() < 0.5) {
      const lies = random() < 0.05;
      feedback.push({
        id: `f-${input.cycle}-${at}`,
        predictionId: prediction.id,
        model: 'levers',
        kind: 'label',
        label: lies ? answer.label : message.label,
        userKey: prediction.userKey,
        fromPredictionUser: true,
        createdAt: at++,
      });
    }
  }
  const batch = mineEdgeCases(
    { labels: LABELS, predictions, feedback, knownItemIds: input.dataset.items.map((item) => item.id) },
    { mining: config.mining, autoLabel: config.autoLabel },
  );
  const servedLabel = new Map(predictions.map((p) => [p.id, p.label]));
  const accepted: AcceptedLabel[] = [
    ...batch.autoLabelled.map((item) => ({ item, label: item.label, kind: 'auto' as const })),
    ...batch.needsReview.map((item) => ({ item, label: input.truth.get(item.id)!, kind: 'human' as const })),
  ].map(({ item, label, kind }) => ({
    id: item.id,
    text: item.text,
    label,
    servedLabel: servedLabel.get(item.predictionId) ?? null,
    group: item.group,
    predictionId: item.predictionId,
    reason: item.reason,
    source: { kind, by: kind, cycle: input.cycle, batchId: `b${input.cycle}` },
  }));
  const next = nextDatasetVersion({
    model: 'levers',
    parent: input.dataset.version,
    parentItems: input.dataset.items,
    accepted,
    cycle: input.cycle,
    batchId: `b${input.cycle}`,
    holdoutShare: config.dataset.holdoutShare,
    goldenShare: config.dataset.goldenShare,
    seed: DATASET_SPLIT_SEED,
    createdAt: 0,
  });
  const split = (name: string) => next.items.filter((item) => item.split === name);
  // A sweep trains each variant over the params; the best on the dataset's holdout goes on (ties: the
  // earlier), as workflows/cycle.ts picks.
  let candidate: TextClassifier | null = null;
  let best = -1;
  const sweep = config.training.variants.length > 0 ? config.training.variants : [{}];
  for (const variant of sweep) {
    const {
      warmStart = false,
      freshLabelWeight = config.training.freshLabelWeight,
      seed = 42,
      ...params
    } = { ...config.training.params, ...variant } as Record<string, unknown>;
    const train = weightFreshLabels(split('train'), freshLabelWeight as number);
    const trained = await trainClassifier({
      examples: train,
      labels: LABELS,
      seed: seed as number,
      params,
      startFrom: warmStart ? champion.model : null,
    });
    const classifier = createClassifier(trained.model);
    const holdoutAccuracy = accuracyOf(classifier, split('holdout'));
    if (holdoutAccuracy > best) {
      best = holdoutAccuracy;
      candidate = classifier;
    }
  }
  if (candidate === null) throw new Error('no variant trained');
  const mistakes = accepted
    .filter((label) => label.servedLabel !== null && label.servedLabel !== label.label)
    .map((label) => next.items.find((item) => item.id === label.id)!);
  const sets = {
    holdout: split('holdout'),
    golden: split('golden'),
    minedMistakes: mistakes,
    perturbedHoldouts: perturbHoldout(
      split('holdout'),
      config.gate.robustness.families,
      config.gate.robustness.seed,
    ),
  };
  const verdict = evaluateGate(
    {
      candidate: summarizeModel((text) => candidate.predict(text).label, LABELS, sets),
      champion: summarizeModel((text) => champion.predict(text).label, LABELS, sets),
    },
    config.gate,
  );
  return {
    candidate,
    dataset: { version: next.version, items: next.items },
    figures: {
      promoted: verdict.passed,
      failed: verdict.checks.filter((check) => !check.passed).map((check) => check.name),
      auto: batch.autoLabelled.length,
      human: batch.needsReview.length,
      golden: sets.golden.length,
    },
  };
}
