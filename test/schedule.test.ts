import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CycleStartResult } from '../activities/monitor/contracts.ts';
import { createCycleSchedule, deleteCycleSchedule, listCycleSchedules } from '../client/schedules.ts';
import { cycleScheduleId } from '../workflows/scheduled-cycle-messages.ts';
import { devServerEnv, runCliAsync } from './support/cli-process.ts';
import { captureTraffic, era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
});

afterAll(async () => {
  await harness?.close();
});

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test('a schedule starts cycles through the numbering, skips its turns while one runs, lists and deletes', {
  timeout: 300_000,
}, async () => {
  const model = 'spam-scheduled';
  const champion = await era1Champion(harness.deps, model);
  // Era-2 mistakes with feedback: the first cycle trains, so the schedule fires while it runs.
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: era2().traffic,
    feedbackShare: 0.5,
    wrongFeedbackShare: 0.05,
    seed: 5,
  });

  const { scheduleId } = await createCycleSchedule(harness.client, model, {
    every: '1s',
    cycleConfig: {
      training: { taskQueue: harness.trainingTaskQueue },
      mining: { labelBudget: 0 },
      rollout: { startAfterBlessing: false },
    },
  });
  expect(scheduleId).toBe(cycleScheduleId(model));
  await expect(createCycleSchedule(harness.client, model, { every: '1h' })).rejects.toThrow(
    /already has a cycle schedule/,
  );

  // It fires: cycle 1, numbered like any other, says which schedule started it.
  const first = await eventually(
    async () => (await harness.client.listCycles({ model })).find((c) => c.number === 1),
    'the first scheduled cycle',
  );
  expect(first.trigger).toBe(`schedule: ${scheduleId}`);
  expect((await harness.client.temporal.workflow.getHandle(first.workflowId).describe()).memo).toMatchObject({
    trigger: `schedule: ${scheduleId}`,
    reasons: [`the schedule ${scheduleId} fired`],
  });

  // While cycle 1 runs, later turns are skipped, and no two cycles ever run at once.
  const runs = () =>
    harness.client.temporal.workflow.list({
      query: `WorkflowType = 'scheduledCycle' AND FlywheelModel = '${model}' AND ExecutionStatus = 'Completed'`,
    });
  const skipped = await eventually(async () => {
    expect((await harness.client.listCycles({ model, running: true })).length).toBeLessThanOrEqual(1);
    for await (const run of runs()) {
      const handle = harness.client.temporal.workflow.getHandle(run.workflowId, run.runId);
      const result = (await handle.result()) as CycleStartResult;
      if (!result.started && result.running?.number === 1) return { handle, result };
    }
    return undefined;
  }, 'a skipped turn');
  expect(skipped.result.reason).toMatch(/cycle 1 of spam-scheduled is already running/);
  await recordHistory(skipped.handle, 'scheduled-cycle-skipped');
  for await (const run of runs()) {
    const handle = harness.client.temporal.workflow.getHandle(run.workflowId, run.runId);
    if (((await handle.result()) as CycleStartResult).started) {
      await recordHistory(handle, 'scheduled-cycle-started');
      break;
    }
  }

  const [listed] = await listCycleSchedules(harness.client, { model });
  expect(listed).toMatchObject({ model, scheduleId, when: 'every 1s', paused: false });
  expect(listed?.nextRun).toBeInstanceOf(Date);
  expect(listed?.recentRuns).toBeGreaterThan(1);

  // The CLI lists and deletes it.
  const server = devServerEnv();
  const shown = await runCliAsync(['schedule', 'list', model, '--json'], server);
  expect(shown.code, shown.stderr).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject([{ model, scheduleId, when: 'every 1s' }]);
  const deleted = await runCliAsync(['schedule', 'delete', model, '--json'], server);
  expect(deleted.code, deleted.stderr).toBe(0);
  expect(JSON.parse(deleted.stdout)).toEqual({ model, scheduleId, deleted: true });
  expect(await listCycleSchedules(harness.client, { model })).toEqual([]);
  await expect(deleteCycleSchedule(harness.client, model)).rejects.toThrow(/has no cycle schedule/);

  // Let whatever the last turn started finish before the workers stop.
  for (const cycle of await harness.client.listCycles({ model, running: true })) {
    await harness.client.temporal.workflow.getHandle(cycle.workflowId).result();
  }
  const cycles = await harness.client.listCycles({ model });
  expect(cycles.map((c) => c.number).sort((a, b) => a - b)).toEqual(cycles.map((_, i) => i + 1));
});
