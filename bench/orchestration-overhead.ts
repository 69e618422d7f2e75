/**
 * What Temporal orchestration costs a cycle: the wall time of full cycles (collect → dataset → train →
 * evaluate → rollout through every default step, shadow → 5% → 25% → 50% → 100%, with zero-length soaks)
 * on a real dev server, minus the time spent inside activities, read from the workflow histories (each
 * attempt's ActivityTaskStarted → its closing event, the rollout child's included). Median over cycles.
 *
 *   node bench/orchestration-overhead.ts [--cycles 7]
 *
 * Each cycle is a model of its own: the era-1 champion with era-2 traffic captured and users' feedback on
 * half its mistakes, so the cycle mines, trains and its candidate is blessed. The worker runs in a child
 * process (bench/worker-process.ts). During the rollout this process plays the gateway: every 5 ms it
 * writes one prediction per arm (champion, shadow twin, canary) for the model under rollout, so each step
 * has traffic to analyse (the rollout config allows no fewer than 1 sample). With a zero soak the
 * analysis closes the step's window with its own clock, so a step with traffic passes its first analysis.
 */
import { parseArgs } from 'node:util';
import { captureRolloutTraffic } from '../test/support/captured-rollout-traffic.ts';
import { captureTraffic, era1Champion, era2 } from '../test/support/era-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { type CycleTiming, cycleTiming } from './cycle-timing.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';
import { benchLogger, startTemporalRig } from './temporal-rig.ts';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '7' } } });
const cycles = Number(values.cycles);
const TARGET_OVERHEAD_MS = 1_000;

const loadAtStart = loadAverage();
const rig = await startTemporalRig();
const dataDir = rig.dataDir();
const deps = await openDeps({ dataDir, logger: benchLogger });
const worker = await rig.startWorkerProcess(dataDir);

try {
  const { traffic } = era2();
  const models = Array.from({ length: cycles + 1 }, (_, i) => `overhead-${i}`);
  for (const [index, model] of models.entries()) {
    progress(`preparing ${model}: era-1 champion, era-2 traffic with feedback`);
    const champion = await era1Champion(deps, model);
    await captureTraffic(deps, {
      model,
      versionId: champion.versionId,
      messages: traffic,
      feedbackShare: 0.5,
      wrongFeedbackShare: 0.05,
      seed: index + 1,
    });
  }

  const config = {
    training: { taskQueue: worker.trainingTaskQueue },
    // Auto labels only: items for human review would hold the cycle until reviewers decide.
    mining: { labelBudget: 0 },
    // The fix-rate check rejects a candidate now and then on some feedback draws; this measures the
    // orchestration of a full cycle, so every candidate that clears the accuracy checks goes on.
    gate: { minFixRate: null },
    rollout: { soak: '0s', minSamples: 1, minFeedbackSamples: 1, maxExtensions: 10 },
  };

  const measured: Array<{
    model: string;
    timing: CycleTiming;
    rollout: CycleTiming;
    clientMs: number;
    analyses: number;
  }> = [];
  for (const [index, model] of models.entries()) {
    const traffic = captureRolloutTraffic(deps, model);
    const started = performance.now();
    const cycle = await worker.client.startCycle(model, { config, trigger: 'bench' });
    const result = (await worker.client.temporal.workflow
      .getHandle(cycle.workflowId)
      .result()) as CycleStatus;
    const clientMs = performance.now() - started;
    await traffic.stop();
    if (result.outcome !== 'promoted') {
      throw new Error(`cycle of ${model} ended ${result.outcome}: ${result.reasons.join('; ')}`);
    }
    const timing = await cycleTiming(worker.client.temporal, cycle.workflowId);
    const rollout = await cycleTiming(worker.client.temporal, rolloutWorkflowId(model));
    const analyses = (await worker.client.rolloutStatus(model)).analyses.length;
    const warmUp = index === 0;
    progress(
      `${warmUp ? 'warm-up' : `cycle ${index}/${cycles}`} ${model}: wall ${ms(timing.wallMs)}, in activities ` +
        `${ms(timing.inActivitiesMs)}, overhead ${ms(timing.overheadMs)} (${timing.activities} activities, ` +
        `${timing.workflowTasks} workflow tasks, ${analyses} step analyses)`,
    );
    if (!warmUp) measured.push({ model, timing, rollout, clientMs, analyses });
  }

  const of = (pick: (t: CycleTiming) => number) => median(measured.map((m) => pick(m.timing)));
  const overhead = of((t) => t.overheadMs);
  const activityTypes = [...new Set(measured.flatMap((m) => Object.keys(m.timing.byActivity)))].sort();

  console.log(
    'Orchestration overhead: full cycles on a Temporal dev server, wall time minus time in activities',
  );
  console.log(`${machineLine()} (at start ${loadAtStart})`);
  console.log(
    `cycle: collect → dataset → train → evaluate → rollout (shadow, 5, 25, 50, 100; soak 0s, min samples 1); ` +
      `one worker process for both queues; ${measured.length} cycles after 1 warm-up, medians`,
  );
  console.log('');
  console.log(
    table([
      ['', 'median', 'min', 'max'],
      ...(
        [
          ['cycle wall time (history)', (t) => t.wallMs],
          ['  inside activities', (t) => t.inActivitiesMs],
          ['  orchestration overhead', (t) => t.overheadMs],
          ['  of which activities queued', (t) => t.activityQueueMs],
          ['  of which workflow tasks', (t) => t.workflowTaskMs],
          ['    waiting for the worker', (t) => t.workflowTaskQueueMs],
        ] as Array<[string, (t: CycleTiming) => number]>
      ).map(([name, pick]) => {
        const samples = measured.map((m) => pick(m.timing));
        return [name, ms(median(samples)), ms(Math.min(...samples)), ms(Math.max(...samples))];
      }),
      ...(
        [
          ['  rollout child wall time', (m) => m.rollout.wallMs],
          ['  rollout child overhead', (m) => m.rollout.overheadMs],
          ['start → result at the client', (m) => m.clientMs],
        ] as Array<[string, (m: (typeof measured)[number]) => number]>
      ).map(([name, pick]) => {
        const samples = measured.map(pick);
        return [name, ms(median(samples)), ms(Math.min(...samples)), ms(Math.max(...samples))];
      }),
    ]),
  );
  console.log('');
  console.log(
    `per cycle (median): ${of((t) => t.activities)} activities, ${of((t) => t.workflowTasks)} workflow tasks, ` +
      `${of((t) => t.childWorkflows)} child workflow(s), ${median(measured.map((m) => m.analyses))} step analyses; ` +
      `overhead per activity ${ms(overhead / of((t) => t.activities))}`,
  );
  console.log(
    `time in activities by type (median): ${activityTypes
      .map((type) => `${type} ${ms(of((t) => t.byActivity[type] ?? 0))}`)
      .join(', ')}`,
  );
  console.log(
    `target overhead ≤ ${ms(TARGET_OVERHEAD_MS)} per cycle: ${ms(overhead)} ${overhead <= TARGET_OVERHEAD_MS ? 'met' : 'MISSED'}`,
  );
  console.log(`load average at end ${loadAverage()}`);
} finally {
  await worker.stop();
  await deps.close();
  await rig.stop();
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
