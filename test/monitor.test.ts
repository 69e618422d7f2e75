import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import {
  configureMonitor,
  monitorStatus,
  pauseMonitor,
  resumeMonitor,
  startMonitor,
  stopMonitor,
  triggerMonitor,
} from '../client/monitors.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import type { MonitorStatus } from '../workflows/monitor-messages.ts';
import { monitorWorkflowId } from '../workflows/monitor-messages.ts';
import { devServerEnv, runCli, runCliAsync } from './support/cli-process.ts';
import { era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';
import { liveTraffic, type ServedMessage, serveCorpus } from './support/live-traffic.ts';

let harness: FlywheelHarness;

/** The CLI pointed at the run's dev server. */
const server = devServerEnv;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

/**
 * Seconds instead of hours: a check every second over the last 4 seconds of traffic (up to 400
 * predictions at 100 a second, fewer on a busy machine), a drift must hold for 2 checks, and an
 * hour's cooldown (longer than the test) after a cycle.
 */
const POLICY = {
  checkEvery: '1s',
  window: '4s',
  minWindowPredictions: 100,
  persistence: 2,
  cooldown: '1h',
};

/** Cycles up to the gate with auto labels only: review and rollout have tests of their own. */
function cycleConfig() {
  return {
    training: { taskQueue: harness.trainingTaskQueue },
    mining: { labelBudget: 0 },
    rollout: { startAfterBlessing: false },
  };
}

async function era1Setup(model: string) {
  const champion = await era1Champion(harness.deps, model);
  const era1 = await serveCorpus(
    harness.deps,
    champion.versionId,
    loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] }),
  );
  return { champion, era1 };
}

function trafficOf(model: string, versionId: string, pool: readonly ServedMessage[], seed: number) {
  return liveTraffic(harness.deps, {
    model,
    versionId,
    pool,
    tickMs: 200,
    perTick: 20,
    confirmShare: 0.1,
    correctShare: 0.5,
    seed,
  });
}

async function waitForStatus(
  model: string,
  done: (status: MonitorStatus) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<MonitorStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await monitorStatus(harness.client, model);
    if (done(status)) {
      if (process.env.MONITOR_TEST_TRACE)
        console.log(new Date().toISOString(), what, status.checks, status.phase);
      return status;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(status.recent.at(-1))}`);
    }
    await sleep(250);
  }
}

test('era-2 traffic on an era-1 champion makes the monitor start a cycle with its reason; the cooldown holds after it', {
  timeout: 300_000,
}, async () => {
  const model = 'spam-monitor-drift';
  const { champion, era1 } = await era1Setup(model);
  const era2Pool = await serveCorpus(harness.deps, champion.versionId, era2().traffic);
  const traffic = trafficOf(model, champion.versionId, era1, 11);
  try {
    await sleep(3_000);
    await startMonitor(harness.client, model, {
      // This test is about drift: era 2's feedback error rate and backlog would trigger too (the backlog at
      // once, it needs no persistence), so they are kept out of the way.
      policy: {
        ...POLICY,
        backlogThreshold: 1_000_000,
        maxFeedbackErrorRate: 1,
        maxFeedbackErrorRateIncrease: 1,
      },
      cycleConfig: cycleConfig(),
    });
    const referenced = await waitForStatus(model, (s) => s.reference !== null, 'a reference window');
    expect(referenced.referenceChampion).toBe(champion.versionId);
    const steady = await waitForStatus(model, (s) => s.checks >= referenced.checks + 3, 'steady checks');
    expect(steady.triggers).toEqual([]);

    traffic.use(era2Pool);
    const triggered = await waitForStatus(model, (s) => s.triggers.length > 0, 'a trigger');
    const trigger = triggered.triggers[0]!;
    expect(trigger.by).toBe('policy');
    expect(trigger.trigger).toMatch(/^monitor: .*-drift/);
    expect(trigger.reasons.join('\n')).toMatch(/drift: .*PSI .*p /);
    expect(trigger.result).toMatchObject({ started: true, number: 1 });
    // The drift persisted: the check before the trigger already had it once.
    const before = triggered.recent.filter((c) => c.at < trigger.at).at(-1)!;
    expect(before.outcome).toBe('building');

    // The cycle carries the reason: short in its search attribute, in full in its memo.
    const [cycle, ...others] = await harness.client.listCycles({ model });
    expect(others).toEqual([]);
    expect(cycle?.trigger).toBe(trigger.trigger);
    const handle = harness.client.temporal.workflow.getHandle(cycle!.workflowId);
    expect((await handle.describe()).memo).toMatchObject({
      trigger: trigger.trigger,
      reasons: trigger.reasons,
    });
    expect((await harness.client.cycleStatus(model, 1)).trigger).toBe(trigger.trigger);

    // While it runs, the drift goes on but nothing else starts.
    await waitForStatus(model, (s) => s.phase === 'cycle-running', 'the monitor to see the cycle run');
    const result = (await handle.result()) as CycleStatus;
    expect(['blessed', 'rejected']).toContain(result.outcome);

    // After it, the drift (against the unchanged champion's reference) is held back by the cooldown.
    const cooling = await waitForStatus(
      model,
      (s) => s.recent.some((c) => c.reasons.some((r) => r.startsWith('cooldown after the last cycle'))),
      'the cooldown to hold a trigger back',
    );
    expect(cooling.phase).toBe('cooldown');
    expect(cooling.lastCycleEndedAt).not.toBeNull();
    await waitForStatus(model, (s) => s.checks >= cooling.checks + 3, 'more checks in the cooldown');
    expect((await monitorStatus(harness.client, model)).triggers).toHaveLength(1);
    expect(await harness.client.listCycles({ model })).toHaveLength(1);
  } finally {
    await traffic.stop();
    await stopMonitor(harness.client, model).catch(() => undefined);
  }
});

test('steady era-1 traffic starts nothing; state survives continue-as-new; pause, resume, configure and trigger now', {
  timeout: 300_000,
}, async () => {
  const model = 'spam-monitor-steady';
  const { champion, era1 } = await era1Setup(model);
  const traffic = trafficOf(model, champion.versionId, era1, 12);
  const workflowId = monitorWorkflowId(model);
  try {
    await sleep(3_000);
    await startMonitor(harness.client, model, {
      policy: POLICY,
      cycleConfig: cycleConfig(),
      checksPerRun: 4,
    });
    const firstRunId = (await harness.client.temporal.workflow.getHandle(workflowId).describe()).runId;
    const referenced = await waitForStatus(model, (s) => s.reference !== null, 'a reference window');

    // Three runs: two continue-as-new hand-overs.
    const later = await waitForStatus(model, (s) => s.runs >= 3, 'two continue-as-new', 90_000);
    expect((await harness.client.temporal.workflow.getHandle(workflowId).describe()).runId).not.toBe(
      firstRunId,
    );
    expect(later.checks).toBeGreaterThanOrEqual(8);
    expect(later.checksThisRun).toBeLessThan(4);
    expect(later.reference).toEqual(referenced.reference);
    expect(later.recent.length).toBeGreaterThan(4);
    await recordHistory(
      harness.client.temporal.workflow.getHandle(workflowId, firstRunId),
      'monitor-continued-as-new',
    );

    // Steady traffic: every drift signal judged, none persisted, nothing started.
    const last = later.recent.at(-1)!;
    expect(last.readings.filter((r) => r.judged).map((r) => r.signal)).toEqual(
      expect.arrayContaining(['label-mix-drift', 'confidence-drift', 'text-length-drift', 'oov-rise']),
    );
    expect(later.recent.every((c) => c.outcome === 'quiet' || c.outcome === 'building')).toBe(true);
    expect(later.triggers).toEqual([]);
    expect(await harness.client.listCycles({ model })).toEqual([]);

    // The CLI shows the same status.
    const shown = await runCliAsync(['monitor', 'status', model], server());
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^monitor of ${model}: watching, \\d+ checks \\(run \\d+\\)`));
    expect(shown.stdout).toMatch(/label-mix-drift: predicted-label mix PSI/);

    // Configure: a field changes, the rest stay; a bad field is refused with its rule.
    const configured = await runCliAsync(
      ['monitor', 'configure', model, '--persistence', '4', '--json'],
      server(),
    );
    expect(configured.code, configured.stderr).toBe(0);
    expect(JSON.parse(configured.stdout)).toMatchObject({ persistence: 4, checkEvery: 1_000, window: 4_000 });
    const policy = await configureMonitor(harness.client, model, { cooldown: '2h' });
    expect(policy).toMatchObject({ persistence: 4, cooldown: 7_200_000 });
    await expect(configureMonitor(harness.client, model, { persistence: 0 })).rejects.toThrow(
      /^invalid monitor policy: persistence: /,
    );

    // Pause: no checks; resume: checks again.
    await pauseMonitor(harness.client, model, { by: 'test' });
    const paused = await waitForStatus(model, (s) => s.phase === 'paused', 'the pause');
    await sleep(2_500);
    const stillPaused = await monitorStatus(harness.client, model);
    expect(stillPaused.checks).toBeLessThanOrEqual(paused.checks + 1);
    expect(stillPaused.nextCheckAt).toBeNull();
    await resumeMonitor(harness.client, model, { by: 'test' });
    await waitForStatus(model, (s) => s.checks >= stillPaused.checks + 2, 'checks after the resume');

    // Trigger now: a cycle although nothing fired, with who asked in its trigger.
    const answer = await triggerMonitor(
      harness.client,
      model,
      { by: 'test', reason: 'a turn on request' },
      { waitMs: 30_000 },
    );
    expect(answer).toMatchObject({
      by: 'request',
      trigger: 'monitor: requested by test',
      result: { started: true, number: 1 },
    });
    expect(answer?.reasons[0]).toBe('requested by test: a turn on request');
    const [cycle] = await harness.client.listCycles({ model });
    expect(cycle?.trigger).toBe('monitor: requested by test');
    await harness.client.temporal.workflow.getHandle(cycle!.workflowId).result();
  } finally {
    await traffic.stop();
    await stopMonitor(harness.client, model).catch(() => undefined);
  }
  const stopped = harness.client.temporal.workflow.getHandle(workflowId);
  await expect(stopped.result()).rejects.toThrow(/cancel/i);
  expect((await stopped.describe()).status.name).toBe('CANCELLED');
});

test('the CLI refuses a bad policy before connecting, starts one monitor per model, and names what is missing', async () => {
  const bad = runCli(['monitor', 'start', 'cli-monitor', '--interval', '1x', '--persistence', '0'], server());
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toMatch(
    /^flywheel: invalid monitor policy: checkEvery: "1x" is not a duration .*; persistence: /,
  );

  // No worker serves the CLI's default task queue here: the monitor is started, not run.
  const started = runCli(['monitor', 'start', 'cli-monitor', '--interval', '1m', '--json'], server());
  expect(started.code, started.stderr).toBe(0);
  expect(JSON.parse(started.stdout)).toMatchObject({
    workflowId: monitorWorkflowId('cli-monitor'),
    policy: { checkEvery: 60_000, persistence: 3 },
  });
  const again = runCli(['monitor', 'start', 'cli-monitor'], server());
  expect(again.code).toBe(5);
  expect(again.stderr.trim()).toMatch(
    /^flywheel: the monitor of cli-monitor is already running .*flywheel monitor configure cli-monitor/,
  );
  await harness.client.temporal.workflow
    .getHandle(monitorWorkflowId('cli-monitor'))
    .terminate('test cleanup');

  const missing = runCli(['monitor', 'status', 'no-such-model'], server());
  expect(missing.code).toBe(4);
  expect(missing.stderr.trim()).toBe(
    'flywheel: no-such-model has no monitor: start one with `flywheel monitor start no-such-model`',
  );
});
