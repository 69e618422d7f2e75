import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ModelVersion } from '../core/registry/model-version.ts';
import { type RolloutInput, type RolloutStatus, rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, fastRollout, modelWith, trainRolloutVersions } from './support/rollout-traffic.ts';

/**
 * A paused rollout outlives its history limit: it continues as new, carrying everything it needs, and
 * the next run goes on from the same step (here: aborted, back to the champion). The limit is made
 * small through the workflow's input; history grows by signals, so nothing here depends on timing.
 */

let harness: FlywheelHarness;
let champion: ModelVersion;
let better: ModelVersion;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers({ training: false });
  ({ champion, better } = await trainRolloutVersions(harness, era2().traffic));
}, 240_000);

afterAll(async () => {
  await harness?.close();
});

test('a paused rollout that outlives its history limit continues as new, still paused at its step, and an abort then restores the champion', async () => {
  const model = 'ro-long-pause';
  const { championVersion, candidateVersion } = await modelWith(harness, model, {
    champion,
    candidate: better,
  });
  const workflowId = rolloutWorkflowId(model);
  const input: RolloutInput = {
    model,
    candidateVersion,
    trigger: 'test',
    // A soak far longer than the test: the step is held by the pause alone.
    config: fastRollout({ steps: [25, 100], soak: '1h' }),
    historyLimit: 60,
  };
  const first = await harness.client.temporal.workflow.start('rollout', {
    taskQueue: harness.taskQueue,
    workflowId,
    args: [input],
  });
  const status = () => harness.client.rolloutStatus(model);
  await eventually('the 25% step soaking', status, (s: RolloutStatus) => s.phase === 'soaking', 120_000);
  await harness.client.signalRollout(model, 'pause', { by: 'alice', reason: 'holiday' });
  const paused = await eventually('the pause', status, (s: RolloutStatus) => s.phase === 'paused', 60_000);
  const rolloutId = paused.rolloutId;

  // Each further pause is ignored but lands in the history: send them until the run continues as new.
  const latestRun = async () =>
    (await harness.client.temporal.workflow.getHandle(workflowId).describe()).runId;
  let sent = 0;
  while ((await latestRun()) === first.firstExecutionRunId) {
    expect(sent, 'signals sent without the rollout continuing as new').toBeLessThan(60);
    await harness.client.signalRollout(model, 'pause', { by: 'bob', reason: `still paused ${sent}` });
    sent++;
  }
  const firstHandle = harness.client.temporal.workflow.getHandle(workflowId, first.firstExecutionRunId);
  expect((await firstHandle.describe()).status.name).toBe('CONTINUED_AS_NEW');
  await recordHistory(firstHandle, 'rollout-paused-continued-as-new');

  // The next run holds the same step with the same flags, and knows everything the first one knew.
  const carried = await eventually(
    'the next run answering',
    status,
    (s: RolloutStatus) => s.controls.length >= sent + 1 && s.phase === 'paused',
    60_000,
  );
  expect(carried).toMatchObject({
    rolloutId,
    startedAt: paused.startedAt,
    outcome: 'running',
    stepName: 'canary 25%',
    championVersion,
    candidateVersion,
    paused: { by: 'alice', reason: 'holiday' },
    flags: { mode: 'canary', percent: 25, championVersion, candidateVersion },
  });
  expect(carried.controls[0]).toMatchObject({ signal: 'pause', by: 'alice', effect: 'paused at canary 25%' });
  expect(carried.controls.slice(1).every((c) => c.effect === 'ignored: already paused')).toBe(true);

  await harness.client.signalRollout(model, 'abort', { by: 'carol', reason: 'back from holiday' });
  const result = (await harness.client.temporal.workflow.getHandle(workflowId).result()) as RolloutStatus;
  expect(result).toMatchObject({
    rolloutId,
    outcome: 'rolled-back',
    reasons: ['aborted by carol at canary 25%: back from holiday'],
  });
  expect(await harness.deps.flags.read(model)).toEqual({
    championVersion,
    candidateVersion: null,
    mode: 'off',
    percent: 0,
  });
  // Every control reached the audit trail once, those received before the hand-over included.
  const audit = await harness.deps.store.audit.list({ model });
  const controls = audit.filter((e) => e.kind === 'rollout-pause' || e.kind === 'rollout-abort');
  expect(controls).toHaveLength(sent + 2);
  expect(audit.filter((e) => e.kind === 'rollout-rolled-back')).toHaveLength(1);
  expect(new Set(audit.map((e) => (e.details as { rolloutId?: string }).rolloutId).filter(Boolean))).toEqual(
    new Set([rolloutId]),
  );
}, 400_000);
