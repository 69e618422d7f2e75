/**
 * Cycles of many models at once on one worker: the wall time for N cycles started together to finish and
 * the worker's peak resident memory, for N = 1, 10, 50 side by side in one run.
 *
 *   node bench/concurrency.ts [--models 1,10,50] [--rounds 3] [--budget-seconds 170] [--seed-size 200]
 *                             [--traffic 200]
 *
 * Each model gets a small seed dataset (era-1 messages, half ham, half spam) as its champion and era-2
 * traffic captured with users' feedback on half its mistakes, so that every cycle mines labels and
 * trains. Cycles end at the gate (no rollout: that needs live traffic; see orchestration-overhead.ts).
 * Each (round, N) gets a fresh worker process (bench/worker-process.ts: both task queues, training one
 * at a time as the worker is configured) that samples its RSS every 20 ms; rounds alternate the order of
 * N so that a noisy neighbour hurts every side alike. Medians over rounds: up to --rounds, fewer (but at
 * least two) when one more would overrun --budget-seconds.
 */
import { parseArgs } from 'node:util';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { captureTraffic, era2 } from '../test/support/era-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';
import { shuffled } from './seeded-shuffle.ts';
import { benchLogger, startTemporalRig } from './temporal-rig.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '1,10,50' },
    rounds: { type: 'string', default: '3' },
    'budget-seconds': { type: 'string', default: '170' },
    'seed-size': { type: 'string', default: '200' },
    traffic: { type: 'string', default: '200' },
  },
});
const sizes = values.models.split(',').map(Number);
const maxRounds = Number(values.rounds);
const budgetMs = Number(values['budget-seconds']) * 1000;
const seedSize = Number(values['seed-size']);
const trafficSize = Number(values.traffic);

interface Run {
  models: number;
  wallMs: number;
  cycleMs: number[];
  readyRss: number;
  peakRss: number;
  maxRss: number;
  outcomes: Record<string, number>;
  trained: number;
}

const loadAtStart = loadAverage();
const rig = await startTemporalRig();
const dataDir = rig.dataDir();
const deps = await openDeps({ dataDir, logger: benchLogger });

try {
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const seedExamples = [
    ...era1.filter((m) => m.label === 'ham').slice(0, seedSize / 2),
    ...era1.filter((m) => m.label === 'spam').slice(0, seedSize / 2),
  ].map((m) => ({ id: m.id, text: m.text, label: m.label, group: m.group }));
  // Shuffled once, so that every model's slice mixes the era-2 groups (the corpus lists them group by group).
  const allTraffic = shuffled(era2().traffic, 2024);

  /** A model with a seed champion and traffic captured; each model sees its own slice of era-2 traffic. */
  async function prepare(model: string, index: number): Promise<void> {
    const champion = await registerModelFromCorpus(deps, {
      model,
      examples: seedExamples,
      source: `spamassassin:era-1 first ${seedSize}`,
      champion: 'always',
      actor: 'bench',
    });
    // A slice whose mistakes drew no feedback would leave the cycle nothing to learn: capture the next one too.
    for (let slice = index, feedback = 0; feedback === 0; slice++) {
      const start = (slice * trafficSize) % allTraffic.length;
      const captured = await captureTraffic(deps, {
        model,
        versionId: champion.versionId,
        messages: [...allTraffic, ...allTraffic].slice(start, start + trafficSize),
        feedbackShare: 0.5,
        wrongFeedbackShare: 0.05,
        seed: slice + 1,
      });
      feedback = captured.feedback;
    }
  }

  async function runAtOnce(round: number, count: number): Promise<Run> {
    const models = Array.from({ length: count }, (_, i) => `conc-r${round}-n${count}-${i}`);
    const preparing = performance.now();
    for (const [index, model] of models.entries()) await prepare(model, index);
    progress(
      `round ${round}, N=${count}: prepared ${count} model(s) in ${((performance.now() - preparing) / 1000).toFixed(1)} s`,
    );
    const worker = await rig.startWorkerProcess(dataDir);
    try {
      const config = {
        training: { taskQueue: worker.trainingTaskQueue },
        mining: { labelBudget: 0 },
        rollout: { startAfterBlessing: false },
      };
      worker.resetPeak();
      const started = performance.now();
      const finished = await Promise.all(
        models.map(async (model) => {
          const cycle = await worker.client.startCycle(model, { config, trigger: 'bench' });
          const result = (await worker.client.temporal.workflow
            .getHandle(cycle.workflowId)
            .result()) as CycleStatus;
          return { result, ms: performance.now() - started };
        }),
      );
      const wallMs = performance.now() - started;
      const { peakRss, maxRss } = await worker.peak();
      const outcomes: Record<string, number> = {};
      for (const { result } of finished) outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      const run: Run = {
        models: count,
        wallMs,
        cycleMs: finished.map((f) => f.ms),
        readyRss: worker.readyRss,
        peakRss,
        maxRss,
        outcomes,
        trained: finished.filter((f) => f.result.candidateVersion !== null).length,
      };
      progress(
        `round ${round}, N=${count}: ${(wallMs / 1000).toFixed(1)} s, peak RSS ${mib(peakRss)} ` +
          `(ready ${mib(worker.readyRss)}), ${run.trained}/${count} trained, outcomes ${JSON.stringify(outcomes)}`,
      );
      return run;
    } finally {
      await worker.stop();
    }
  }

  // Rounds until the budget would be exceeded by one more (at least two): a loaded machine gets fewer.
  const runs: Run[] = [];
  const started = performance.now();
  let rounds = 0;
  while (rounds < maxRounds) {
    const round = ++rounds;
    const order = round % 2 === 1 ? sizes : [...sizes].reverse();
    for (const count of order) runs.push(await runAtOnce(round, count));
    const elapsed = performance.now() - started;
    if (rounds >= 2 && elapsed + elapsed / rounds > budgetMs) break;
  }

  console.log('Concurrency: N cycles started at once on one worker process (both task queues)');
  console.log(`${machineLine()} (at start ${loadAtStart})`);
  console.log(
    `each model: ${seedSize}-message seed dataset as champion, ${trafficSize} era-2 predictions captured with feedback ` +
      `on half the mistakes; cycle collect → dataset → train → evaluate (no rollout); ${rounds} rounds, medians`,
  );
  console.log('');
  const rows = [
    [
      'N',
      'wall, all N done',
      'per cycle (wall / N)',
      'cycle latency p50',
      'worker RSS ready',
      'peak RSS',
      'peak − ready',
      'trained',
    ],
  ];
  const one = runs.filter((r) => r.models === sizes[0]);
  for (const count of sizes) {
    const of = runs.filter((r) => r.models === count);
    const wall = median(of.map((r) => r.wallMs));
    rows.push([
      String(count),
      `${(wall / 1000).toFixed(2)} s`,
      `${(wall / count / 1000).toFixed(2)} s`,
      `${(median(of.map((r) => median(r.cycleMs))) / 1000).toFixed(2)} s`,
      mib(median(of.map((r) => r.readyRss))),
      mib(median(of.map((r) => r.peakRss))),
      mib(median(of.map((r) => r.peakRss - r.readyRss))),
      `${of.reduce((n, r) => n + r.trained, 0)}/${of.length * count}`,
    ]);
  }
  console.log(table(rows));
  console.log('');
  const baseWall = median(one.map((r) => r.wallMs));
  const basePeak = median(one.map((r) => r.peakRss));
  for (const count of sizes.slice(1)) {
    const of = runs.filter((r) => r.models === count);
    const wall = median(of.map((r) => r.wallMs));
    console.log(
      `N=${count} vs N=${sizes[0]}: wall ×${(wall / baseWall).toFixed(2)} for ×${count / sizes[0]!} the cycles ` +
        `(${((baseWall * (count / sizes[0]!)) / wall).toFixed(1)}× the throughput of one at a time); ` +
        `peak RSS ×${(median(of.map((r) => r.peakRss)) / basePeak).toFixed(2)}`,
    );
  }
  const outcomes: Record<string, number> = {};
  for (const run of runs) {
    for (const [outcome, n] of Object.entries(run.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
  }
  console.log(
    `outcomes, all runs: ${Object.entries(outcomes)
      .map(([o, n]) => `${o} ${n}`)
      .join(', ')}; kernel high-water RSS (ru_maxrss, whole process life) median ${mib(
      median(runs.filter((r) => r.models === sizes.at(-1)).map((r) => r.maxRss)),
    )} at N=${sizes.at(-1)}`,
  );
  console.log(`load average at end ${loadAverage()}`);
} finally {
  await deps.close();
  await rig.stop();
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
