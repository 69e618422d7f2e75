import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityDeps } from '../../activities/deps.ts';
import { registerModelFromCorpus } from '../../activities/training/register-first-model.ts';
import type { CorpusMessage } from '../../adapters/corpus/spamassassin.ts';
import { createLogger } from '../../adapters/log/logger.ts';
import { modelKinds } from '../../adapters/models/model-kinds.ts';
import { dataConverterFromEnvironment } from '../../adapters/temporal-codec/data-converter.ts';
import { FlywheelClient } from '../../client/flywheel-client.ts';
import { monitorStatus, startMonitor, stopMonitor } from '../../client/monitors.ts';
import { ReviewClient } from '../../client/review-client.ts';
import { classificationMetrics } from '../../core/metrics/classification-metrics.ts';
import { MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';
import { freePort } from '../../workers/free-port.ts';
import { openDeps } from '../../workers/open-deps.ts';
import type { CycleStatus } from '../../workflows/cycle-messages.ts';
import { startStack } from '../embedded-stack.ts';
import { sendTraffic, type TrafficStats } from '../simulation/simulated-users.ts';
import { type DemoCorpus, loadDemoCorpus } from './demo-corpus.ts';
import { renderReport } from './demo-report.ts';
import {
  DEMO_MODEL,
  type DemoOptions,
  demoCycleConfig,
  demoMonitorPolicy,
  SIMULATED_REVIEWER,
} from './demo-settings.ts';
import type { DemoSummary } from './demo-summary.ts';
import { startSimulatedReviewer } from './simulated-reviewer.ts';
import { DemoTimeline } from './timeline.ts';

export interface DemoRun {
  dataDir: string;
  ports: { temporal: number; ui: number; gateway: number };
  options: DemoOptions;
  /** Progress lines for a person (stderr); the summary goes to stdout. */
  say: (line: string) => void;
}

/**
 * The flywheel's story on real data, end to end on the embedded stack: an era-1 champion meets era-2
 * traffic from simulated users through the real gateway; the monitor notices the drift and starts a
 * cycle; a reviewer works the queue through the same messages a person sends; the gate; a staged
 * rollout while traffic goes on; and again.
 */
export async function runDemo(run: DemoRun): Promise<DemoSummary> {
  const startedAt = Date.now();
  const timeline = new DemoTimeline(startedAt);
  const stageSeconds: Record<string, number> = {};
  const lap = (() => {
    let last = Date.now();
    return (stage: string) => {
      const now = Date.now();
      stageSeconds[stage] = (stageSeconds[stage] ?? 0) + (now - last) / 1000;
      last = now;
    };
  })();
  const { options, say } = run;
  mkdirSync(run.dataDir, { recursive: true });
  const logger = createLogger('demo', { destination: 2, level: process.env.FLYWHEEL_LOG_LEVEL ?? 'warn' });

  say('starting Temporal (dev server + Web UI), the worker and the gateway…');
  const stack = await startStack({
    dataDir: run.dataDir,
    logger,
    temporalPort: run.ports.temporal,
    uiPort: run.ports.ui,
    gatewayPort: run.ports.gateway,
  });
  const deps = await openDeps({ dataDir: run.dataDir, logger });
  const client = await FlywheelClient.connect({
    address: stack.temporal.address,
    namespace: stack.temporal.namespace,
    connectionOptions: { address: stack.temporal.address },
    embedded: stack.temporal.embedded,
    dataConverter: dataConverterFromEnvironment(),
  });
  const stopTraffic = new AbortController();
  try {
    say(`Temporal UI: ${stack.temporal.uiUrl ?? '(your cluster)'}   gateway: ${stack.gatewayUrl}`);
    lap('setup');

    const corpus = loadDemoCorpus(options.seed);
    say(`training the era-1 champion on ${corpus.era1.length} messages (spam-1 + easy-ham-1)…`);
    const champion = await registerModelFromCorpus(deps, {
      model: DEMO_MODEL,
      examples: corpus.era1.map((m) => ({ id: m.id, text: m.text, label: m.label, group: m.group })),
      source: 'spamassassin:easy-ham-1,spam-1',
      champion: 'never',
      actor: 'demo',
    });
    // Making it the champion is a change of who serves: through the championChange workflow (audited,
    // refused under a running rollout), as `flywheel models train` does.
    await client.changeChampion({
      model: DEMO_MODEL,
      to: champion.versionId,
      actor: 'demo',
      reason: 'trained on spamassassin:easy-ham-1,spam-1',
      purpose: 'trained',
    });
    const era1Holdout = (await deps.store.datasets.items(champion.datasetId, 'holdout')).map((item) => ({
      text: item.text,
      label: item.label,
    }));
    timeline.event(
      `champion ${champion.versionId} trained (era-1 holdout ${(100 * champion.holdoutAccuracy).toFixed(1)}%)`,
    );
    lap('training the champion');

    await startMonitor(client, DEMO_MODEL, {
      policy: demoMonitorPolicy(),
      cycleConfig: demoCycleConfig(options),
    });
    const reviews = new ReviewClient(client);
    const reviewer =
      options.reviewer === 'simulated'
        ? startSimulatedReviewer({
            reviews,
            model: DEMO_MODEL,
            reviewer: SIMULATED_REVIEWER,
            truth: corpus.truth,
            latencyMs: options.reviewerLatencyMs,
            signal: stopTraffic.signal,
          })
        : null;
    if (!reviewer)
      say(`you review: \`./flywheel review show ${DEMO_MODEL}\`, then approve/label/reject (see README)`);

    const traffic: TrafficStats[] = [];
    const send = async (
      messages: readonly CorpusMessage[],
      concurrency: number,
      pauseMs: number,
      seed: number,
    ) => {
      traffic.push(
        await sendTraffic({
          gatewayUrl: stack.gatewayUrl!,
          model: DEMO_MODEL,
          messages,
          labels: ['ham', 'spam'],
          feedbackShare: options.feedbackShare,
          wrongFeedbackShare: options.wrongFeedbackShare,
          confirmShare: 0.05,
          users: 400,
          seed,
          concurrency,
          pauseMs,
          signal: stopTraffic.signal,
          onResponse: (outcome) => timeline.response(outcome),
        }),
      );
    };

    // Yesterday's world first, so the monitor's reference window is era 1.
    say('era-1 traffic: the monitor records its reference window…');
    const era1Traffic = corpus.era1.filter(
      (m) => m.text.length <= MAX_TEXT_LENGTH && era1Holdout.some((h) => h.text === m.text),
    );
    while (!stopTraffic.signal.aborted) {
      await send(era1Traffic.slice(0, 250), 4, 0, options.seed);
      const status = await monitorStatus(client, DEMO_MODEL).catch(() => null);
      if (status?.reference) break;
      if (Date.now() - startedAt > 90_000)
        throw new Error('the monitor took no reference window within 90 s');
    }
    timeline.event('monitor: reference window recorded (era 1)');
    lap('reference traffic');

    // Then the world drifts: era-2 mail arrives, a burst first, then a steady stream while cycles run.
    say(`era-2 traffic begins: ${corpus.era2Traffic.length} messages from 400 simulated users…`);
    timeline.event('era-2 traffic begins');
    const burst = Math.round(corpus.era2Traffic.length * 0.65);
    const streaming = (async () => {
      await send(corpus.era2Traffic.slice(0, burst), 6, 0, options.seed + 1);
      let round = 0;
      while (!stopTraffic.signal.aborted) {
        const rest = round === 0 ? corpus.era2Traffic.slice(burst) : corpus.era2Traffic;
        await send(rest, 2, 40, options.seed + 2 + round);
        round += 1;
      }
    })();

    const cycles = await watchCycles({
      client,
      timeline,
      options,
      say,
      stopTraffic: stopTraffic.signal,
      startedAt,
    });
    stopTraffic.abort();
    await streaming.catch(() => undefined);
    await reviewer?.done.catch(() => undefined);
    lap('flywheel turns (drift → cycles → rollouts)');
    await stopMonitor(client, DEMO_MODEL).catch(() => undefined);

    say('measuring the models on the era-2 and era-1 holdouts…');
    const summary = await summarize({
      deps,
      corpus,
      era1Holdout,
      championVersion: champion.versionId,
      cycles,
      traffic,
    });
    lap('measuring');
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const reportPath = join(run.dataDir, 'report.html');
    const full: DemoSummary = {
      ...summary,
      secondsByStage: { ...stageSeconds, ...summary.secondsByStage },
      totalSeconds,
      reportPath,
      temporalUiUrl: stack.temporal.uiUrl,
    };
    writeFileSync(reportPath, renderReport(full, timeline));
    return full;
  } finally {
    stopTraffic.abort();
    await client.close().catch(() => undefined);
    await deps.close().catch(() => undefined);
    await stack.stop();
  }
}

/** Follows the model's cycles until enough have ended (or time runs out), narrating and timing them. */
async function watchCycles(context: {
  client: FlywheelClient;
  timeline: DemoTimeline;
  options: DemoOptions;
  say: (line: string) => void;
  stopTraffic: AbortSignal;
  startedAt: number;
}): Promise<CycleStatus[]> {
  const { client, timeline, options, say } = context;
  const deadline = context.startedAt + options.maxMinutes * 60_000;
  const stages = new Map<number, string>();
  const finished = new Map<number, CycleStatus>();
  while (finished.size < options.cycles && Date.now() < deadline) {
    const monitor = await monitorStatus(client, DEMO_MODEL).catch(() => null);
    for (const check of monitor?.recent ?? []) timeline.monitorCheck(check);
    for (const cycle of await client.listCycles({ model: DEMO_MODEL })) {
      if (finished.has(cycle.number)) continue;
      const status = await client.cycleStatus(DEMO_MODEL, cycle.number).catch(() => null);
      if (!status) continue;
      const seen = stages.get(cycle.number);
      const where = status.stage === 'finished' ? `finished: ${status.outcome}` : status.stage;
      if (seen !== where) {
        stages.set(cycle.number, where);
        const line =
          seen === undefined
            ? `cycle ${cycle.number} started (${status.trigger})`
            : `cycle ${cycle.number}: ${where}${status.stage === 'finished' && status.outcome === 'promoted' ? ' — the candidate is the new champion' : ''}`;
        timeline.event(status.outcome === 'promoted' ? `cycle ${cycle.number} promoted` : line);
        say(`[${timeline.now().toFixed(0).padStart(4)} s] ${line}`);
      }
      if (status.stage === 'finished') finished.set(cycle.number, status);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  if (finished.size < options.cycles)
    say(`stopping after ${options.maxMinutes} minutes with ${finished.size} cycle(s) finished`);
  return [...finished.values()].sort((a, b) => a.number - b.number);
}

async function summarize(input: {
  deps: ActivityDeps;
  corpus: DemoCorpus;
  era1Holdout: Array<{ text: string; label: string }>;
  championVersion: string;
  cycles: CycleStatus[];
  traffic: TrafficStats[];
}): Promise<Omit<DemoSummary, 'totalSeconds' | 'reportPath' | 'temporalUiUrl'>> {
  const { deps, corpus } = input;
  const measure = async (versionId: string, set: ReadonlyArray<{ text: string; label: string }>) => {
    const version = await deps.store.models.get(versionId);
    if (!version) throw new Error(`version ${versionId} is not registered`);
    const predictor = await modelKinds.load(await deps.artifacts.get(version.artifactSha256));
    const predictions = await predictor.predictBatch(set.map((item) => item.text));
    return classificationMetrics(
      set.map((item, i) => ({ actual: item.label, predicted: predictions[i]!.label })),
      ['ham', 'spam'],
    );
  };
  let champion = input.championVersion;
  const byCycle: number[] = [];
  const minedByReason: Record<string, number> = {};
  const stageTotals: Record<string, number> = {};
  let auto = 0;
  let human = 0;
  const cycles: DemoSummary['cycles'] = [];
  for (const cycle of input.cycles) {
    if (cycle.outcome === 'promoted' && cycle.candidateVersion) champion = cycle.candidateVersion;
    byCycle.push((await measure(champion, corpus.era2Holdout)).accuracy);
    for (const [reason, count] of Object.entries(cycle.mined?.byReason ?? {})) {
      minedByReason[reason] = (minedByReason[reason] ?? 0) + count;
    }
    for (const [stage, seconds] of Object.entries(cycle.secondsByStage)) {
      stageTotals[`cycle: ${stage}`] = (stageTotals[`cycle: ${stage}`] ?? 0) + seconds;
    }
    auto += cycle.labels?.auto ?? 0;
    human += cycle.labels?.human ?? 0;
    cycles.push({
      number: cycle.number,
      trigger: cycle.trigger,
      outcome: cycle.outcome,
      championAfter: champion,
      labels: cycle.labels ?? { auto: 0, human: 0 },
      secondsByStage: cycle.secondsByStage,
    });
  }
  const before = await measure(input.championVersion, corpus.era2Holdout);
  const after = await measure(champion, corpus.era2Holdout);
  const sum = (pick: (stats: TrafficStats) => number) =>
    input.traffic.reduce((total, s) => total + pick(s), 0);
  return {
    model: DEMO_MODEL,
    era2AccuracyBefore: before.accuracy,
    era2Accuracy: after.accuracy,
    era2AccuracyByCycle: byCycle,
    era1AccuracyBefore: (await measure(input.championVersion, input.era1Holdout)).accuracy,
    era1Accuracy: (await measure(champion, input.era1Holdout)).accuracy,
    labelsUsed: auto + human,
    humanLabels: human,
    autoLabels: auto,
    minedByReason,
    cycles,
    traffic: {
      sent: sum((s) => s.sent),
      feedback: sum((s) => s.feedback),
      wrongFeedback: sum((s) => s.wrongFeedback),
      errors: sum((s) => s.errors),
      lastError:
        input.traffic
          .map((s) => s.lastError)
          .filter(Boolean)
          .at(-1) ?? null,
    },
    secondsByStage: stageTotals,
    confusion: { before: before.confusion, after: after.confusion },
  };
}

/** The usual ports when they are free, else any free ones (a `flywheel dev` may be running). */
export async function demoPorts(wanted: { temporal: number; ui: number; gateway: number }) {
  const pick = async (port: number) => ((await isFree(port)) ? port : freePort());
  return {
    temporal: await pick(wanted.temporal),
    ui: await pick(wanted.ui),
    gateway: await pick(wanted.gateway),
  };
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
