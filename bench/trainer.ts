/**
 * The built-in trainer against natural's BayesClassifier (the most used npm text classifier), side by
 * side in one run on one machine, on the SpamAssassin era-1 split every test uses (easy-ham-1 + spam-1,
 * holdout = 20% by hash of seed 1 and item id): training time (median of several runs, from raw texts
 * to a model), holdout accuracy, and the accuracy of the era-1 model on era 2 (easy-ham-2, hard-ham-1,
 * spam-2, collected later): the drift the flywheel exists to correct.
 *
 *   node bench/trainer.ts [--runs 7] [--natural-runs 3]
 *
 * natural's training and prediction scan its whole vocabulary for every message, so its runs take
 * minutes on full emails; lower --natural-runs for a quick look (0 leaves natural out).
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { type CorpusMessage, loadSpamAssassin, SPAMASSASSIN_ERAS } from '../adapters/corpus/spamassassin.ts';
import { splitItems } from '../core/datasets/split.ts';
import { createClassifier } from '../core/model/linear-model.ts';
import { TrainingParams } from '../core/model/params.ts';
import { trainClassifier } from '../core/model/train.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'natural-runs': { type: 'string', default: '3' },
  },
});
const runs = Number(values.runs);
const naturalRuns = Number(values['natural-runs']);
const LABELS = ['ham', 'spam'];

/** The part of natural's API the bench uses. */
interface NaturalBayes {
  addDocument(text: string, label: string): void;
  train(): void;
  classify(text: string): string;
}

// natural loads dotenv, which prints a line on import unless told to be quiet. Loaded through require
// so that its TypeScript sources (shipped in the package, not type-clean under our settings) stay out
// of the type check.
process.env.DOTENV_CONFIG_QUIET = 'true';
const natural = createRequire(import.meta.url)('natural') as { BayesClassifier: new () => NaturalBayes };

type Classify = (text: string) => string;

interface Measured {
  name: string;
  trainMs: number[];
  /** CPU time of the process during each run: less disturbed than wall time on a busy shared machine. */
  trainCpuMs: number[];
  holdoutAccuracy: number;
  era2Accuracy: number;
  era2ByGroup: Record<string, number>;
  predictMsPerMessage: number;
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const accuracy = (classify: Classify, messages: readonly CorpusMessage[]) =>
  messages.filter((message) => classify(message.text) === message.label).length / messages.length;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function measure(
  name: string,
  count: number,
  train: () => Promise<Classify> | Classify,
  split: { holdout: CorpusMessage[]; era2: CorpusMessage[] },
): Promise<Measured> {
  const trainMs: number[] = [];
  const trainCpuMs: number[] = [];
  let classify: Classify | null = null;
  for (let run = 0; run < count; run++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    classify = await train();
    trainMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    trainCpuMs.push((cpu.user + cpu.system) / 1000);
    log(
      `${name}: training run ${run + 1}/${count}: ${trainMs.at(-1)!.toFixed(0)} ms (CPU ${trainCpuMs.at(-1)!.toFixed(0)} ms)`,
    );
  }
  const started = performance.now();
  const holdoutAccuracy = accuracy(classify!, split.holdout);
  const predictMsPerMessage = (performance.now() - started) / split.holdout.length;
  log(`${name}: classifying era 2 (${split.era2.length} messages)`);
  const era2ByGroup: Record<string, number> = {};
  for (const group of SPAMASSASSIN_ERAS['era-2']) {
    era2ByGroup[group] = accuracy(
      classify!,
      split.era2.filter((message) => message.group === group),
    );
  }
  return {
    name,
    trainMs,
    trainCpuMs,
    holdoutAccuracy,
    era2Accuracy: accuracy(classify!, split.era2),
    era2ByGroup,
    predictMsPerMessage,
  };
}

const loadAtStart = loadavg()[0]!;
const era1 = splitItems(loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-1'] }), {
  seed: 1,
  holdoutFraction: 0.2,
});
const era2 = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-2'] });
const split = { holdout: era1.holdout, era2 };

const builtin = await measure(
  'builtin',
  runs,
  async () => {
    const trained = await trainClassifier({ examples: era1.train, labels: LABELS, seed: 42 });
    const classifier = createClassifier(trained.model);
    return (text) => classifier.predict(text).label;
  },
  split,
);
const bayes =
  naturalRuns < 1
    ? null
    : await measure(
        'natural.BayesClassifier',
        naturalRuns,
        () => {
          const classifier = new natural.BayesClassifier();
          for (const message of era1.train) classifier.addDocument(message.text, message.label);
          classifier.train();
          return (text) => classifier.classify(text);
        },
        split,
      );

const cpu = cpus()[0];
console.log('Trainer benchmark: SpamAssassin era-1 split (easy-ham-1 + spam-1, holdout 20% by hash, seed 1)');
console.log(
  `machine: ${cpu?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `Node ${process.version}; load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
);
console.log(
  `data: ${era1.train.length} training messages, ${era1.holdout.length} holdout, ${era2.length} era-2 ` +
    '(exact duplicate texts removed; subject + decoded body, no headers)',
);
console.log(
  `builtin params: ${JSON.stringify(TrainingParams.parse({}))}, 2^18 hashed word + word-pair features`,
);
console.log('');
const rows = [builtin, ...(bayes ? [bayes] : [])].map((m) => [
  m.name,
  `${median(m.trainMs).toFixed(0)} ms (${m.trainMs.length} runs, ${Math.min(...m.trainMs).toFixed(0)}–${Math.max(...m.trainMs).toFixed(0)})`,
  `${median(m.trainCpuMs).toFixed(0)} ms`,
  m.holdoutAccuracy.toFixed(4),
  m.era2Accuracy.toFixed(4),
  Object.entries(m.era2ByGroup)
    .map(([group, value]) => `${group} ${value.toFixed(3)}`)
    .join(', '),
  `${m.predictMsPerMessage.toFixed(3)} ms`,
]);
const header = [
  'trainer',
  'train time, median (min–max)',
  'CPU, median',
  'holdout acc',
  'era-2 acc',
  'era-2 by group',
  'predict/msg',
];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
console.log('');
if (bayes) {
  console.log(
    `builtin vs natural: training ${(median(bayes.trainMs) / median(builtin.trainMs)).toFixed(1)}× faster ` +
      `(${(median(bayes.trainCpuMs) / median(builtin.trainCpuMs)).toFixed(1)}× in CPU time), ` +
      `holdout accuracy ${builtin.holdoutAccuracy - bayes.holdoutAccuracy >= 0 ? '+' : ''}${((builtin.holdoutAccuracy - bayes.holdoutAccuracy) * 100).toFixed(2)} points, ` +
      `prediction ${(bayes.predictMsPerMessage / builtin.predictMsPerMessage).toFixed(0)}× faster`,
  );
}
console.log(
  `drift: the builtin era-1 model drops from ${builtin.holdoutAccuracy.toFixed(4)} on its holdout to ` +
    `${builtin.era2Accuracy.toFixed(4)} on era 2`,
);
