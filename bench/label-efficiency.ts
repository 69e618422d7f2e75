/**
 * What mining buys in labels: one cycle's worth of labels from mined edge cases against the same number
 * of randomly sampled traffic items with their true labels, side by side in one run.
 *
 *   node bench/label-efficiency.ts [--seeds 5] [--refine 3] [--fresh-weights 1,2,3,5]
 *
 * The era-1 champion (easy-ham-1 + spam-1, registered as `flywheel models train` does) serves era-2
 * traffic (easy-ham-2, hard-ham-1, spam-2, split by content hash into traffic and a holdout, as the
 * integration tests do). Users give feedback on half of its mistakes, 5% of that feedback wrong
 * (test/support/era-traffic.ts captureTraffic, the simulation the tests and the demo share). The cycle's
 * mining (core/mining mineEdgeCases, default config) picks the edge cases:
 *   - "mined": the auto-labelled items plus the items sent to review (up to the default label budget of
 *     150), which a reviewer labels correctly;
 *   - "mined, auto only": the auto-labelled items alone (labelBudget 0: no reviewer at all).
 * Each arm retrains the champion's training set plus its labels with the built-in trainer (default
 * params, seed 42) and is scored on the era-2 holdout. "random" draws as many traffic items (not already
 * in the dataset) with their true labels. Per seed (feedback draw and random draw), medians over seeds.
 * Then the random arm is run at growing label counts to find how many random labels match each mined
 * arm's median accuracy: the label efficiency is that count over the mined count. Last, each fresh-label
 * weight (training.freshLabelWeight) retrains the mined arm and the random arm with their labels repeated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import { createLogger } from '../adapters/log/logger.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { FeedbackRecord, PredictionRecord } from '../core/capture/records.ts';
import { defaultCycleConfig } from '../core/cycle/cycle-config.ts';
import { mineEdgeCases } from '../core/mining/mine-edge-cases.ts';
import { createClassifier } from '../core/model/linear-model.ts';
import { trainClassifier } from '../core/model/train.ts';
import { captureTraffic, era1Champion, era2 } from '../test/support/era-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';
import { shuffled } from './seeded-shuffle.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    refine: { type: 'string', default: '3' },
    'fresh-weights': { type: 'string', default: '1,2,3,5' },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const refineSteps = Number(values.refine);
const freshWeights = values['fresh-weights'].split(',').map(Number);
const LABELS = ['ham', 'spam'];
const TRAINING_SEED = 42;
const TARGET_EFFICIENCY = 3;

const loadAtStart = loadAverage();
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-bench-labels-'));
const deps = await openDeps({ dataDir, logger: createLogger('bench', { level: 'warn', destination: 2 }) });

/** A labelled traffic item; the id is the content hash of its text. */
interface Labelled {
  id: string;
  text: string;
  label: string;
}

interface SeedRun {
  seed: number;
  feedback: number;
  mistakes: number;
  mined: Labelled[];
  minedWrongLabels: number;
  autoOnly: Labelled[];
  autoOnlyWrongLabels: number;
  /** Traffic not already in the dataset, in this seed's random order. */
  randomOrder: Labelled[];
}

try {
  const started = performance.now();
  progress('training the era-1 champion');
  const champion = await era1Champion(deps, 'spam');
  const base = await deps.store.datasets.items(champion.datasetId, 'train');
  const knownItemIds = (await deps.store.datasets.items(champion.datasetId)).map((item) => item.id);
  const known = new Set(knownItemIds);
  const { traffic, holdout } = era2();
  const truth = new Map(traffic.map((message) => [message.id, message.label]));

  const accuracyCache = new Map<string, number>();
  /** Era-2 holdout accuracy of the champion's training set plus `added`, retrained from scratch. */
  async function retrainedAccuracy(added: readonly Labelled[], freshWeight = 1): Promise<number> {
    const key = `${freshWeight}|${added.map((example) => `${example.id}:${example.label}`).join(',')}`;
    const cached = accuracyCache.get(key);
    if (cached !== undefined) return cached;
    const trained = await trainClassifier({
      examples: [...base, ...Array.from({ length: freshWeight }, () => added).flat()],
      labels: LABELS,
      seed: TRAINING_SEED,
    });
    const classifier = createClassifier(trained.model);
    const accuracy = accuracyOn((text) => classifier.predict(text), holdout);
    accuracyCache.set(key, accuracy);
    return accuracy;
  }
  const championAccuracy = await retrainedAccuracy([]);

  const runs: SeedRun[] = [];
  for (const seed of seeds) {
    const model = `spam-seed-${seed}`;
    const captured = await captureTraffic(deps, {
      model,
      versionId: champion.versionId,
      messages: traffic,
      feedbackShare: 0.5,
      wrongFeedbackShare: 0.05,
      seed,
    });
    const predictions = await allPredictions(deps.store, model);
    const feedback = await allFeedback(deps.store, model);
    const mine = (labelBudget: number) => {
      const config = defaultCycleConfig();
      const batch = mineEdgeCases(
        { labels: LABELS, predictions, feedback, knownItemIds },
        { mining: { ...config.mining, labelBudget }, autoLabel: config.autoLabel },
      );
      // Auto labels keep what the rule decided (a user's word, right or wrong); reviewers label correctly.
      const examples = [
        ...batch.autoLabelled.map((item) => ({ id: item.id, text: item.text, label: item.label })),
        ...batch.needsReview.map((item) => ({ id: item.id, text: item.text, label: truth.get(item.id)! })),
      ];
      const wrong = batch.autoLabelled.filter((item) => item.label !== truth.get(item.id)).length;
      return { examples, wrong };
    };
    const mined = mine(defaultCycleConfig().mining.labelBudget);
    const autoOnly = mine(0);
    const randomOrder = shuffled(
      traffic.filter((message) => !known.has(message.id)),
      seed * 7919,
    ).map((message) => ({ id: message.id, text: message.text, label: message.label }));
    runs.push({
      seed,
      feedback: captured.feedback,
      mistakes: captured.mistakes,
      mined: mined.examples,
      minedWrongLabels: mined.wrong,
      autoOnly: autoOnly.examples,
      autoOnlyWrongLabels: autoOnly.wrong,
      randomOrder,
    });
    progress(
      `seed ${seed}: ${captured.mistakes} mistakes, ${captured.feedback} feedback; mined ${mined.examples.length} ` +
        `(${mined.wrong} wrong auto labels), auto only ${autoOnly.examples.length}`,
    );
  }

  type Arm = 'mined' | 'autoOnly';
  const armNames: Record<Arm, string> = {
    mined: 'mined (auto + reviewed)',
    autoOnly: 'mined, auto labels only',
  };
  const sideBySide: Record<Arm, { count: number[]; mined: number[]; random: number[] }> = {
    mined: { count: [], mined: [], random: [] },
    autoOnly: { count: [], mined: [], random: [] },
  };
  for (const run of runs) {
    for (const arm of ['mined', 'autoOnly'] as const) {
      const labels = run[arm];
      const minedAccuracy = await retrainedAccuracy(labels);
      const randomAccuracy = await retrainedAccuracy(run.randomOrder.slice(0, labels.length));
      sideBySide[arm].count.push(labels.length);
      sideBySide[arm].mined.push(minedAccuracy);
      sideBySide[arm].random.push(randomAccuracy);
      progress(
        `seed ${run.seed} ${armNames[arm]}: ${labels.length} labels → ${minedAccuracy.toFixed(4)}; ` +
          `random ${labels.length} → ${randomAccuracy.toFixed(4)}`,
      );
    }
  }

  // The random arm's accuracy as a function of its label count: median over seeds at each count.
  const curve = new Map<number, number>();
  const randomAt = async (count: number): Promise<number> => {
    const known = curve.get(count);
    if (known !== undefined) return known;
    const accuracies: number[] = [];
    for (const run of runs) accuracies.push(await retrainedAccuracy(run.randomOrder.slice(0, count)));
    const value = median(accuracies);
    curve.set(count, value);
    progress(`random ${count} labels → median ${value.toFixed(4)}`);
    return value;
  };
  const available = Math.min(...runs.map((run) => run.randomOrder.length));
  /** The fewest random labels whose median accuracy reaches `target`: a doubling search, then bisection. */
  async function randomLabelsToMatch(start: number, target: number) {
    let below = 0;
    let count = start;
    while ((await randomAt(count)) < target) {
      below = count;
      if (count === available) return { count: null, below };
      count = Math.min(available, count * 2);
    }
    for (let step = 0; step < refineSteps && count - below > 1; step++) {
      const middle = Math.round((below + count) / 2);
      if ((await randomAt(middle)) >= target) count = middle;
      else below = middle;
    }
    return { count, below };
  }
  for (const arm of ['mined', 'autoOnly'] as const) {
    await randomLabelsToMatch(median(sideBySide[arm].count), median(sideBySide[arm].mined));
  }
  /**
   * Read off the whole curve once both searches have added their points (the curve is noisy, so one
   * search's bracket can be tightened by the other's points): the fewest random labels measured that reach
   * the target, and the most measured below that (which all fall short).
   */
  const matchOnCurve = (target: number) => {
    const counts = [...curve.keys()].sort((a, b) => a - b);
    const reaches = counts.find((count) => curve.get(count)! >= target) ?? null;
    const short = counts.filter((count) => reaches === null || count < reaches).at(-1) ?? 0;
    return { count: reaches, below: short };
  };

  console.log(
    'Label efficiency: one cycle of mined edge-case labels vs random traffic labels, era-1 champion on era-2',
  );
  console.log(`${machineLine()} (at start ${loadAtStart})`);
  console.log(
    `data: champion trained on ${base.length} era-1 items; era-2 traffic ${traffic.length}, holdout ${holdout.length}; ` +
      `feedback on 50% of mistakes, 5% of it wrong; ${seeds.length} seeds; trainer: built-in, default params, seed ${TRAINING_SEED}`,
  );
  console.log(
    `per seed: mistakes ${runs.map((r) => r.mistakes).join('/')}, feedback ${runs.map((r) => r.feedback).join('/')}, ` +
      `wrong auto labels in the mined batch ${runs.map((r) => r.minedWrongLabels).join('/')}`,
  );
  console.log(
    `era-2 holdout accuracy of the champion's training set retrained alone: ${championAccuracy.toFixed(4)}`,
  );
  console.log('');
  const rows = [['arm', 'labels (median)', 'mined acc', 'random acc, same count', 'mined − random']];
  for (const arm of ['mined', 'autoOnly'] as const) {
    const s = sideBySide[arm];
    const gain = median(s.mined.map((m, i) => m - s.random[i]!));
    rows.push([
      armNames[arm],
      String(median(s.count)),
      median(s.mined).toFixed(4),
      median(s.random).toFixed(4),
      `${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(2)} points`,
    ]);
  }
  console.log(table(rows));
  console.log('');
  console.log('random labels → era-2 holdout accuracy (median over seeds):');
  console.log(
    [...curve.entries()]
      .sort(([a], [b]) => a - b)
      .map(([count, accuracy]) => `${count}: ${accuracy.toFixed(4)}`)
      .join(', '),
  );
  console.log('');
  for (const arm of ['mined', 'autoOnly'] as const) {
    const count = median(sideBySide[arm].count);
    const match = matchOnCurve(median(sideBySide[arm].mined));
    const target = median(sideBySide[arm].mined).toFixed(4);
    // The verdict goes by the lower end: random at `below` labels is known to fall short.
    const atLeast = match.below / count;
    const verdict = `target ≥ ${TARGET_EFFICIENCY}×: ${atLeast >= TARGET_EFFICIENCY ? 'met' : 'MISSED'}`;
    console.log(
      match.count === null
        ? `${armNames[arm]}: ${count} labels; random does not reach ${target} even with all ${available} ` +
            `traffic labels: > ${atLeast.toFixed(1)}× as label-efficient (${verdict})`
        : `${armNames[arm]}: ${count} labels; random reaches ${target} at ${match.count} labels, falls short at ` +
            `${match.below}: ${atLeast.toFixed(1)}–${(match.count / count).toFixed(1)}× as label-efficient (${verdict})`,
    );
  }
  // training.freshLabelWeight: the new labels repeated w times, for mined and random labels alike.
  for (const arm of ['mined', 'autoOnly'] as const) {
    const weightRows = [
      [
        'fresh-label weight',
        'mined acc (median)',
        'mined acc (worst seed)',
        'random acc, same count (median)',
      ],
    ];
    for (const weight of freshWeights) {
      const mined: number[] = [];
      const random: number[] = [];
      for (const run of runs) {
        mined.push(await retrainedAccuracy(run[arm], weight));
        random.push(await retrainedAccuracy(run.randomOrder.slice(0, run[arm].length), weight));
      }
      progress(`${armNames[arm]}, fresh-label weight ${weight}: mined ${median(mined).toFixed(4)} (median)`);
      weightRows.push([
        String(weight),
        median(mined).toFixed(4),
        Math.min(...mined).toFixed(4),
        median(random).toFixed(4),
      ]);
    }
    console.log('');
    console.log(
      `era-2 holdout accuracy with the new labels repeated (training.freshLabelWeight), ${armNames[arm]}:`,
    );
    console.log(table(weightRows));
  }
  console.log(
    `${accuracyCache.size} trainings in ${((performance.now() - started) / 1000).toFixed(0)} s; load average at end ${loadAverage()}`,
  );
} finally {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function accuracyOn(
  predict: (text: string) => { label: string },
  messages: readonly CorpusMessage[],
): number {
  return messages.filter((message) => predict(message.text).label === message.label).length / messages.length;
}

async function allPredictions(store: FlywheelStore, model: string): Promise<PredictionRecord[]> {
  const rows: PredictionRecord[] = [];
  for (let cursor = 0; ; ) {
    const page = await store.predictions.listAfter(model, cursor, 5_000);
    if (page.length === 0) return rows;
    for (const { seq: _seq, ...row } of page) rows.push(row);
    cursor = page.at(-1)!.seq;
  }
}

async function allFeedback(store: FlywheelStore, model: string): Promise<FeedbackRecord[]> {
  const rows: FeedbackRecord[] = [];
  for (let cursor = 0; ; ) {
    const page = await store.feedback.listAfter(model, cursor, 5_000);
    if (page.length === 0) return rows;
    for (const { seq: _seq, ...row } of page) rows.push(row);
    cursor = page.at(-1)!.seq;
  }
}
