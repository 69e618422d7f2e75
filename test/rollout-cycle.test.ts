import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import type { RunningGateway } from '../gateway/run-gateway.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { type RolloutStatus, rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { captureTraffic, era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';
import {
  askEach,
  causes,
  eventually,
  fastRollout,
  gatewayOver,
  JUDGED_ON_ENOUGH_FEEDBACK,
  registerCopy,
  simulateUsers,
  userKeys,
} from './support/rollout-traffic.ts';

/**
 * The whole turn: a cycle learns from captured era-2 traffic, the gate blesses the candidate, and the
 * cycle's rollout child takes it through the real gateway to champion.
 */

let harness: FlywheelHarness;
let gateway: RunningGateway;
let traffic: CorpusMessage[];

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
  gateway = await gatewayOver(harness);
  traffic = era2().traffic;
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await harness?.close();
});

/** A model with the era-1 champion and a day of era-2 traffic captured, with users' corrections. */
async function modelWithHistory(model: string) {
  const champion = await era1Champion(harness.deps, model);
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: traffic,
    feedbackShare: 0.5,
    wrongFeedbackShare: 0.05,
    seed: 3,
  });
  return champion.versionId;
}

/** Auto labels only (review has its own tests), short rollout steps. */
function cycleConfig(rollout: Record<string, unknown>) {
  return {
    training: { taskQueue: harness.trainingTaskQueue },
    mining: { labelBudget: 0 },
    ...fastRollout(rollout),
  };
}

async function untilRollingOut(model: string, number: number): Promise<CycleStatus> {
  return eventually(
    'the cycle to roll out',
    () => harness.client.cycleStatus(model, number),
    (s) => s.stage === 'rolling-out' || s.outcome !== 'running',
    180_000,
  );
}

test('a blessed candidate is rolled out by its cycle through the gateway and becomes the champion: outcome promoted', async () => {
  const model = 'rcy-promoted';
  const championVersion = await modelWithHistory(model);
  const started = await harness.client.startCycle(model, {
    config: cycleConfig({ steps: ['shadow', 25, 100], soak: '3s', ...JUDGED_ON_ENOUGH_FEEDBACK }),
  });
  const rolling = await untilRollingOut(model, started.number);
  expect(rolling.stage, rolling.reasons.join('; ')).toBe('rolling-out');
  const candidateVersion = rolling.candidateVersion!;
  const users = simulateUsers({
    url: gateway.address,
    model,
    messages: traffic,
    users: 300,
    feedbackShare: 0.5,
  });

  const handle = harness.client.temporal.workflow.getHandle(started.workflowId);
  const result = (await handle.result()) as CycleStatus;
  await users.stop();
  await recordHistory(handle, 'cycle-promoted');

  expect(result.outcome, result.reasons.join('; ')).toBe('promoted');
  expect(result.stage).toBe('finished');
  expect(result.secondsByStage['rolling-out']).toBeGreaterThan(9);
  expect(result.rollout).toMatchObject({ workflowId: rolloutWorkflowId(model), outcome: 'promoted' });
  const rollout = await harness.client.rolloutStatus(model);
  expect(rollout).toMatchObject({ cycleId: started.workflowId, trigger: `cycle ${started.number}` });
  expect(rollout.blessedBy).toBe(result.reportId);
  // Each step passed on its last analysis; before it a step may have waited (inconclusive) for feedback.
  expect(
    rollout.analyses
      .filter((a) => a.action === 'advance' || a.action === 'promote')
      .map((a) => [a.stepName, a.verdict]),
  ).toEqual([
    ['shadow', 'success'],
    ['canary 25%', 'success'],
    ['canary 100%', 'success'],
  ]);
  expect(rollout.analyses.map((a) => a.verdict)).not.toContain('failure');
  expect(await harness.deps.store.models.alias(model, 'champion')).toBe(candidateVersion);
  expect(await harness.deps.store.models.alias(model, 'previous')).toBe(championVersion);
  expect((await harness.deps.store.cycles.get(started.workflowId))?.outcome).toBe('promoted');
  const audit = await harness.deps.store.audit.list({ cycleId: started.workflowId });
  expect(audit.map((e) => e.kind)).toEqual(
    expect.arrayContaining(['candidate-blessed', 'rollout-started', 'rollout-analysis', 'rollout-promoted']),
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  const answers = await askEach(gateway.address, model, userKeys('after', 100), traffic);
  expect(answers.every((a) => a.modelVersion === candidateVersion && a.variant === 'champion')).toBe(true);
}, 300_000);

test('cancelling a cycle while it rolls out cancels the rollout, which restores the champion', async () => {
  const model = 'rcy-cancelled';
  const championVersion = await modelWithHistory(model);
  const started = await harness.client.startCycle(model, {
    config: cycleConfig({ steps: [40, 100], soak: '10m' }),
  });
  await untilRollingOut(model, started.number);
  await eventually(
    'the 40% step',
    () => harness.client.rolloutStatus(model),
    (s: RolloutStatus) => s.phase === 'soaking',
  );
  expect(await harness.deps.flags.read(model)).toMatchObject({ mode: 'canary', percent: 40 });

  await harness.client.cancelCycle(model, started.number);
  const error = await harness.client.temporal.workflow
    .getHandle(started.workflowId)
    .result()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(causes(error)).toMatch(/cancel/i);
  expect((await harness.client.cycleStatus(model, started.number)).outcome).toBe('cancelled');
  expect(await harness.client.rolloutStatus(model)).toMatchObject({ outcome: 'cancelled' });
  expect(await harness.deps.flags.read(model)).toEqual({
    championVersion,
    candidateVersion: null,
    mode: 'off',
    percent: 0,
  });
  expect(await harness.deps.store.models.alias(model, 'champion')).toBe(championVersion);
}, 300_000);

test('a cycle whose candidate is blessed while another rollout of the model runs ends blessed, saying so', async () => {
  const model = 'rcy-busy';
  const championVersion = await modelWithHistory(model);
  // On-call is rolling another version out by hand when the cycle's gate blesses its candidate.
  const other = await registerCopy(harness, (await harness.deps.store.models.get(championVersion))!, model, {
    blessedBy: 'an earlier gate report',
  });
  await harness.client.startRollout(model, other.id, { config: fastRollout({ soak: '10m' }) });
  const started = await harness.client.startCycle(model, { config: cycleConfig({ steps: [50, 100] }) });
  const result = (await harness.client.temporal.workflow
    .getHandle(started.workflowId)
    .result()) as CycleStatus;
  expect(result.outcome, result.reasons.join('; ')).toBe('blessed');
  expect(result.reasons.at(-1)).toMatch(
    /^not rolled out: a rollout of rcy-busy is already running \(flywheel-rollout-rcy-busy\); start this one when it ends with `flywheel rollout start rcy-busy /,
  );
  expect(result.rollout).toBeNull();
  expect((await harness.client.rolloutStatus(model)).candidateVersion).toBe(other.id);
  await harness.client.signalRollout(model, 'abort', { by: 'test' });
}, 300_000);
