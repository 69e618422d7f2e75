import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import type { RunningGateway } from '../gateway/run-gateway.ts';
import { type RolloutStatus, rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { runCliAsync } from './support/cli-process.ts';
import { era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';
import {
  askEach,
  causes,
  eventually,
  fastRollout,
  gatewayOver,
  JUDGED_ON_ENOUGH_FEEDBACK,
  modelWith,
  type SimulatedUsers,
  simulateUsers,
  trainRolloutVersions,
  userKeys,
} from './support/rollout-traffic.ts';

/**
 * The human controls of a rollout (pause, resume, promote, abort), its compensation on cancellation,
 * a worker restart in the middle, and the command line: on the real dev server with the real gateway.
 */

let harness: FlywheelHarness;
let gateway: RunningGateway;
let traffic: CorpusMessage[];
let champion: ModelVersion;
let better: ModelVersion;
let load: SimulatedUsers | undefined;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers({ training: false });
  gateway = await gatewayOver(harness);
  traffic = era2().traffic;
  ({ champion, better } = await trainRolloutVersions(harness, traffic));
}, 240_000);

afterAll(async () => {
  await load?.stop();
  await gateway?.close();
  await harness?.close();
});

const status = (model: string) => harness.client.rolloutStatus(model);
const until = (model: string, what: string, check: (s: RolloutStatus) => boolean, timeoutMs = 60_000) =>
  eventually(what, () => status(model), check, timeoutMs);
/** Longer than the gateway's rollout cache bound (500 ms): every request after it sees the new flags. */
const cacheBound = () => new Promise((resolve) => setTimeout(resolve, 600));
const ask = (model: string, users: readonly string[]) => askEach(gateway.address, model, users, traffic);

describe('rollout controls', () => {
  test('pause holds a step, resume goes on, promote makes the candidate champion at once; on the way the gateway keeps shadow answers to itself and splits 20% of users stickily', async () => {
    const model = 'rc-steer';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: ['shadow', 20, 50, 100] }),
      trigger: 'test',
    });

    // Pause in the shadow step: the step holds, with its flags, past several soaks.
    await until(model, 'the shadow step', (s) => s.stepName === 'shadow');
    await harness.client.signalRollout(model, 'pause', { by: 'alice', reason: 'checking the shadow' });
    const paused = await until(model, 'the pause', (s) => s.phase === 'paused');
    expect(paused.paused).toMatchObject({ by: 'alice', reason: 'checking the shadow' });
    expect(paused.flags).toMatchObject({ mode: 'shadow', candidateVersion });

    await cacheBound();
    const since = Date.now();
    const shadowAnswers = await ask(model, userKeys('shadow-user', 200));
    for (const answer of shadowAnswers) {
      expect(answer).toMatchObject({ status: 200, variant: 'champion', modelVersion: championVersion });
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // > 2 soaks of 2 s
    const held = await status(model);
    // Held: a paused rollout still analyses its step after each soak, so its phase may read `analysing`.
    expect(held).toMatchObject({ stepName: 'shadow', outcome: 'running' });
    expect(held.paused).toMatchObject({ by: 'alice', reason: 'checking the shadow' });
    expect(['paused', 'analysing']).toContain(held.phase);
    // The candidate answered every request beside the champion; none of its answers went out.
    const twins = await harness.deps.store.predictions.listBetween(model, since, Date.now(), 'shadow');
    expect(twins.length).toBe(200);
    const returned = new Set(shadowAnswers.map((a) => a.predictionId));
    expect(twins.every((t) => t.modelVersion === candidateVersion && !returned.has(t.id))).toBe(true);
    expect(twins.every((t) => returned.has(t.servedPredictionId!))).toBe(true);

    // Resume: the step soaks again, is analysed and the rollout goes on; pause again at 20%.
    await harness.client.signalRollout(model, 'resume', { by: 'alice' });
    await until(model, 'the 20% step', (s) => s.stepName === 'canary 20%' && s.phase === 'soaking');
    await harness.client.signalRollout(model, 'pause', { by: 'alice', reason: 'measuring the split' });
    const at20 = await until(model, 'the pause at 20%', (s) => s.phase === 'paused');
    expect(at20.flags).toMatchObject({ mode: 'canary', percent: 20 });
    expect(at20.analyses.filter((a) => a.stepName === 'shadow').at(-1)).toMatchObject({
      verdict: 'success',
      action: 'advance',
    });

    // The split: 2,000 users, each asks twice. Binomial(2000, 0.2) has a deviation of 0.9 points, so
    // 4 points is over four deviations; stickiness: nobody changes side between the two asks.
    await cacheBound();
    const users = userKeys('split-user', 2_000);
    const first = await ask(model, users);
    const again = await ask(model, users);
    const share = first.filter((a) => a.variant === 'canary').length / users.length;
    expect(Math.abs(share - 0.2)).toBeLessThanOrEqual(0.04);
    expect(again.filter((a, i) => a.variant !== first[i]!.variant)).toEqual([]);
    for (const a of first)
      expect(a.modelVersion).toBe(a.variant === 'canary' ? candidateVersion : championVersion);

    // Promote: no more steps or analyses; the candidate is the champion at once.
    await harness.client.signalRollout(model, 'promote', { by: 'bob', reason: 'looks right' });
    const handle = harness.client.temporal.workflow.getHandle(rolloutWorkflowId(model));
    const result = (await handle.result()) as RolloutStatus;
    await recordHistory(handle, 'rollout-steered');
    expect(result.outcome).toBe('promoted');
    expect(result.reasons[0]).toMatch(/^promoted by bob at canary 20%: looks right$/);
    expect(result.analyses.some((a) => a.stepName === 'canary 50%')).toBe(false);
    expect(result.controls.map((c) => [c.signal, c.by])).toEqual([
      ['pause', 'alice'],
      ['resume', 'alice'],
      ['pause', 'alice'],
      ['promote', 'bob'],
    ]);
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(candidateVersion);
    expect(await harness.deps.store.models.alias(model, 'previous')).toBe(championVersion);
    await cacheBound();
    const after = await ask(model, users.slice(0, 300));
    expect(after.every((a) => a.variant === 'champion' && a.modelVersion === candidateVersion)).toBe(true);
    const kinds = (await harness.deps.store.audit.list({ model })).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['rollout-pause', 'rollout-resume', 'rollout-promote', 'rollout-promoted']),
    );
  });

  test('abort puts the champion back at once: time from the signal to the gateway serving only the champion', async () => {
    const model = 'rc-abort';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: [50, 100], soak: '10m' }),
      trigger: 'test',
    });
    await until(model, 'the 50% step', (s) => s.stepName === 'canary 50%' && s.phase === 'soaking');
    await cacheBound();
    const canaryUsers = (await ask(model, userKeys('abort-user', 200)))
      .filter((a) => a.variant === 'canary')
      .map((a) => a.user);
    expect(canaryUsers.length).toBeGreaterThan(50);

    const sentAt = performance.now();
    await harness.client.signalRollout(model, 'abort', { by: 'carol', reason: 'pager' });
    let flagsRestoredMs = Number.NaN;
    let rounds = 0;
    const restored = (async () => {
      await until(model, 'the rollback', (s) => s.outcome === 'rolled-back', 30_000);
      flagsRestoredMs = performance.now() - sentAt;
    })();
    // Until every canary user gets the champion: requests as on-call's users would send them.
    for (;;) {
      rounds++;
      const answers = await ask(model, canaryUsers);
      if (answers.every((a) => a.variant === 'champion' && a.modelVersion === championVersion)) break;
      if (performance.now() - sentAt > 30_000) throw new Error('the gateway still serves the candidate');
    }
    const championOnlyMs = performance.now() - sentAt;
    await restored;
    console.info(
      `abort → gateway serving only the champion: ${championOnlyMs.toFixed(0)} ms ` +
        `(rollout state rolled-back seen after ${flagsRestoredMs.toFixed(0)} ms; ${rounds} rounds of ${canaryUsers.length} canary users; gateway cache bound 500 ms)`,
    );
    expect(championOnlyMs).toBeLessThan(5_000);

    const result = await status(model);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reasons[0]).toMatch(/^aborted by carol at canary 50%: pager$/);
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    const audit = await harness.deps.store.audit.list({ model, limit: 2 });
    expect(audit.map((e) => e.kind).sort()).toEqual(['rollout-abort', 'rollout-rolled-back']);
  });

  test('cancelling a rollout restores the champion (a compensation that cannot be cancelled)', async () => {
    const model = 'rc-cancel';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: [30, 100], soak: '10m' }),
      trigger: 'test',
    });
    await until(model, 'the 30% step', (s) => s.phase === 'soaking');
    expect((await harness.deps.flags.read(model)).mode).toBe('canary');
    const handle = harness.client.temporal.workflow.getHandle(workflowId);
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    await recordHistory(handle, 'rollout-cancelled');
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(causes(error)).toMatch(/cancel/i);
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    expect(await status(model)).toMatchObject({ outcome: 'cancelled', reasons: ['rollout cancelled'] });
    const [last] = await harness.deps.store.audit.list({ model, limit: 1 });
    expect(last).toMatchObject({ kind: 'rollout-rolled-back', details: { reason: 'rollout cancelled' } });
  });

  test('a worker restart mid-rollout loses nothing: the step, its analyses, a timer and a signal that came while no worker ran', async () => {
    const model = 'rc-restart';
    const { candidateVersion } = await modelWith(harness, model, { champion, candidate: better });
    load = simulateUsers({ url: gateway.address, model, messages: traffic, users: 300, feedbackShare: 0.3 });
    await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: ['shadow', 30, 100], ...JUDGED_ON_ENOUGH_FEEDBACK }),
      trigger: 'test',
    });
    const before = await until(
      model,
      'the 30% step',
      (s) => s.stepName === 'canary 30%' && s.phase === 'soaking',
    );

    await harness.workers!.stop();
    harness.workers = null;
    // No worker now: the signal waits in the server, the soak's timer fires there.
    await harness.client.signalRollout(model, 'pause', { by: 'dave', reason: 'worker maintenance' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await harness.startWorkers({ training: false });

    const afterRestart = await until(model, 'the pause', (s) => s.phase === 'paused');
    expect(afterRestart).toMatchObject({ stepName: 'canary 30%', flags: { mode: 'canary', percent: 30 } });
    expect(afterRestart.paused).toMatchObject({ by: 'dave', reason: 'worker maintenance' });
    expect(afterRestart.analyses.slice(0, before.analyses.length)).toEqual(before.analyses);
    expect(afterRestart.stepStartedAt).toBe(before.stepStartedAt);

    await harness.client.signalRollout(model, 'resume', { by: 'dave' });
    const result = (await harness.client.temporal.workflow
      .getHandle(rolloutWorkflowId(model))
      .result()) as RolloutStatus;
    await load.stop();
    expect(result.outcome, result.reasons.join('; ')).toBe('promoted');
    expect(
      result.analyses.filter((a) => a.action === 'advance' || a.action === 'promote').map((a) => a.stepName),
    ).toEqual(['shadow', 'canary 30%', 'canary 100%']);
    expect(result.controls.map((c) => c.signal)).toEqual(['pause', 'resume']);
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(candidateVersion);
  });

  test('a terminated rollout runs no compensation: `flywheel rollout abort` then puts the champion back', async () => {
    const model = 'rc-terminated';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: [30, 100], soak: '10m' }),
    });
    await until(model, 'the 30% step', (s) => s.phase === 'soaking');
    await harness.client.temporal.workflow.getHandle(workflowId).terminate('test: no code runs');
    expect(await harness.deps.flags.read(model)).toMatchObject({ mode: 'canary', candidateVersion });

    const aborted = await flywheel(['rollout', 'abort', model, '--by', 'frank']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stderr).toMatch(/champion-only flags written for /);
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    const [reset] = await harness.deps.store.audit.list({ model, limit: 1 });
    expect(reset).toMatchObject({ kind: 'rollout-flags-reset', actor: 'frank' });
  });

  test('the command line: rollout status, pause and promote, then models rollback restores the previous champion in one step', async () => {
    const model = 'rc-cli';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: [40, 100], soak: '10m' }),
      trigger: 'test',
    });
    await until(model, 'the 40% step', (s) => s.phase === 'soaking');

    const shown = await flywheel(['rollout', 'status', model, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ stepName: 'canary 40%', candidateVersion });

    const refused = await flywheel(['models', 'rollback', model]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(
      /a rollout of rc-cli is running \(flywheel-rollout-rc-cli .*\): abort it first/,
    );

    const paused = await flywheel(['rollout', 'pause', model, '--by', 'erin', '--reason', 'lunch']);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/paused: +by erin .* — lunch/);

    const promoted = await flywheel(['rollout', 'promote', model, '--by', 'erin']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/promoted: promoted by erin at canary 40%/);
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(candidateVersion);

    const again = await flywheel(['rollout', 'abort', model]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/has ended \(promoted\)/);

    const rolledBack = await flywheel([
      'models',
      'rollback',
      model,
      '--reason',
      'customer complaints',
      '--json',
    ]);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toEqual({
      model,
      champion: championVersion,
      previous: candidateVersion,
      changed: true,
    });
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(championVersion);
    expect(await harness.deps.store.models.alias(model, 'previous')).toBe(candidateVersion);
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    const history = await harness.deps.store.models.aliasHistory(model);
    expect(history.at(-1)).toMatchObject({
      alias: 'champion',
      versionId: championVersion,
      reason: 'customer complaints',
    });
    await cacheBound();
    const answers = await ask(model, userKeys('cli-user', 100));
    expect(answers.every((a) => a.modelVersion === championVersion)).toBe(true);

    const config = join(harness.dataDir, 'bad-rollout.json');
    writeFileSync(config, JSON.stringify({ rollout: { steps: [50, 20] } }));
    const invalid = await flywheel(['rollout', 'start', model, candidateVersion, '--config', config]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/rollout\.steps\[1\]: canary percents must rise/);
  });
});

/** The real `flywheel` CLI against the test's dev server and data folder (async: this process runs the worker). */
function flywheel(args: string[]) {
  return runCliAsync(args, { ...harness.cliEnv(), FLYWHEEL_LOG_LEVEL: 'warn', USER: 'tester' });
}
