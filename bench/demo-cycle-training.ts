/**
 * Training settings for a cycle of the demo's size: about 45 new labels on the era-1 champion's 2,336 items.
 *
 *   node bench/demo-cycle-training.ts
 *
 * The era-1 champion serves all era-2 traffic (test/support/era-traffic.ts captureTraffic: feedback on half of
 * its mistakes, 5% of it wrong) for each of 6 feedback draws; mining with the demo's review budget (6) picks
 * the edge cases (reviewed ones labelled correctly), and every other one is kept, which is about what one demo
 * cycle learns from. Each setting retrains the champion's training set plus those labels (built-in trainer,
 * seed 42) and is scored on the era-2 holdout: median and worst over the draws.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../adapters/log/logger.ts';
import { defaultCycleConfig } from '../core/cycle/cycle-config.ts';
import { mineEdgeCases } from '../core/mining/mine-edge-cases.ts';
import { createClassifier } from '../core/model/linear-model.ts';
import { trainClassifier } from '../core/model/train.ts';
import { captureTraffic, era1Champion, era2 } from '../test/support/era-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';

const LABELS = ['ham', 'spam'];
const DEMO_LABEL_BUDGET = 6;
const SEEDS = [1, 2, 3, 4, 5, 6];
const SETTINGS: Array<{ epochs: number; freshLabelWeight: number; learningRate?: number }> = [
  { epochs: 3, freshLabelWeight: 1 },
  { epochs: 3, freshLabelWeight: 2 },
  { epochs: 3, freshLabelWeight: 4 },
  { epochs: 5, freshLabelWeight: 2 },
  { epochs: 8, freshLabelWeight: 2 },
  { epochs: 3, freshLabelWeight: 2, learningRate: 0.08 },
];

const loadAtStart = loadAverage();
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-bench-demo-training-'));
const deps = await openDeps({ dataDir, logger: createLogger('bench', { level: 'warn', destination: 2 }) });
try {
  const champion = await era1Champion(deps, 'spam');
  const base = await deps.store.datasets.items(champion.datasetId, 'train');
  const knownItemIds = (await deps.store.datasets.items(champion.datasetId)).map((item) => item.id);
  const { traffic, holdout } = era2();
  const truth = new Map(traffic.map((message) => [message.id, message.label]));
  const results = SETTINGS.map(() => [] as number[]);
  const labelCounts: number[] = [];
  for (const seed of SEEDS) {
    const model = `spam-seed-${seed}`;
    await captureTraffic(deps, {
      model,
      versionId: champion.versionId,
      messages: traffic,
      feedbackShare: 0.5,
      wrongFeedbackShare: 0.05,
      seed,
    });
    const predictions = (await deps.store.predictions.listAfter(model, 0, 50_000)).map(
      ({ seq: _seq, ...row }) => row,
    );
    const feedback = (await deps.store.feedback.listAfter(model, 0, 50_000)).map(
      ({ seq: _seq, ...row }) => row,
    );
    const config = defaultCycleConfig();
    const batch = mineEdgeCases(
      { labels: LABELS, predictions, feedback, knownItemIds },
      { mining: { ...config.mining, labelBudget: DEMO_LABEL_BUDGET }, autoLabel: config.autoLabel },
    );
    const mined = [
      ...batch.autoLabelled.map((item) => ({ text: item.text, label: item.label })),
      ...batch.needsReview.map((item) => ({ text: item.text, label: truth.get(item.id)! })),
    ];
    const added = mined.filter((_, index) => index % 2 === 0);
    labelCounts.push(added.length);
    for (const [index, setting] of SETTINGS.entries()) {
      const trained = await trainClassifier({
        examples: [...base, ...Array.from({ length: setting.freshLabelWeight }, () => added).flat()],
        labels: LABELS,
        seed: 42,
        params: {
          epochs: setting.epochs,
          ...(setting.learningRate ? { learningRate: setting.learningRate } : {}),
        },
      });
      const classifier = createClassifier(trained.model);
      const right = holdout.filter((message) => classifier.predict(message.text).label === message.label);
      results[index]!.push(right.length / holdout.length);
    }
    progress(`seed ${seed}: ${added.length} labels; ${results.map((r) => r.at(-1)!.toFixed(4)).join(' ')}`);
  }
  console.log('Training settings for a demo-sized cycle: era-2 holdout accuracy after retraining');
  console.log(`${machineLine()} (at start ${loadAtStart})`);
  console.log(
    `new labels per draw: ${labelCounts.join('/')} on ${base.length} era-1 items; holdout ${holdout.length}`,
  );
  console.log(
    table([
      ['epochs', 'fresh-label weight', 'learning rate', 'median', 'worst'],
      ...SETTINGS.map((setting, index) => [
        String(setting.epochs),
        String(setting.freshLabelWeight),
        String(setting.learningRate ?? '0.04 (default)'),
        median(results[index]!).toFixed(4),
        Math.min(...results[index]!).toFixed(4),
      ]),
    ]),
  );
} finally {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
}
