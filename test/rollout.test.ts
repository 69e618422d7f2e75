import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import type { RunningGateway } from '../gateway/run-gateway.ts';
import { type RolloutStatus, rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { captureRolloutTraffic } from './support/captured-rollout-traffic.ts';
import { era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';
import {
  type Answer,
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
 * Rollouts on the real dev server with the real gateway: simulated users send era-2 mail through HTTP
 * and report on the answers; the rollout writes the flags the gateway reads and judges the traffic the
 * gateway captured.
 */

let harness: FlywheelHarness;
let gateway: RunningGateway;
let traffic: CorpusMessage[];
let champion: ModelVersion;
let better: ModelVersion;
let flipped: ModelVersion;

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers({ training: false });
  gateway = await gatewayOver(harness);
  traffic = era2().traffic;
  ({ champion, better, flipped } = await trainRolloutVersions(harness, traffic));
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  await harness?.close();
});

function status(model: string): Promise<RolloutStatus> {
  return harness.client.rolloutStatus(model);
}

/** Starts a rollout (trigger "test") and waits for it to end. */
async function rollOutToTheEnd(
  model: string,
  candidateVersion: string,
  options: { config: unknown; allowUnblessed?: boolean },
) {
  const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
    ...options,
    trigger: 'test',
  });
  const handle = harness.client.temporal.workflow.getHandle(workflowId);
  return { handle, result: (await handle.result()) as RolloutStatus };
}

describe('rollout', () => {
  let load: SimulatedUsers | undefined;
  afterAll(async () => {
    await load?.stop();
  });

  test('a better candidate goes shadow → 25% → 100% on live traffic and becomes the champion', async () => {
    const model = 'ro-good';
    const { championVersion, candidateVersion } = await modelWith(harness, model, {
      champion,
      candidate: better,
    });
    load = simulateUsers({ url: gateway.address, model, messages: traffic, users: 300, feedbackShare: 0.5 });
    const { handle, result } = await rollOutToTheEnd(model, candidateVersion, {
      config: fastRollout({ steps: ['shadow', 25, 100], ...JUDGED_ON_ENOUGH_FEEDBACK }),
    });
    await load.stop();
    await recordHistory(handle, 'rollout-promoted');

    expect(result.outcome, result.reasons.join('; ')).toBe('promoted');
    expect(result.analyses.map((a) => [a.stepName, a.verdict])).toEqual(
      expect.arrayContaining([
        ['shadow', 'success'],
        ['canary 25%', 'success'],
        ['canary 100%', 'success'],
      ]),
    );
    // Registry: champion = candidate, previous = the old champion, each move in the history.
    const registry = harness.deps.store.models;
    expect(await registry.alias(model, 'champion')).toBe(candidateVersion);
    expect(await registry.alias(model, 'previous')).toBe(championVersion);
    const moves = (await registry.aliasHistory(model)).filter((m) => m.actor === 'rollout-analysis');
    expect(moves.map((m) => [m.alias, m.versionId])).toEqual([
      ['previous', championVersion],
      ['champion', candidateVersion],
    ]);
    // Flags: champion-only with the new champion; the gateway serves it to everyone.
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion: candidateVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 600)); // the gateway's cache bound (500 ms)
    const after = await askEach(gateway.address, model, userKeys('after', 50), traffic);
    expect(after.every((a) => a.variant === 'champion' && a.modelVersion === candidateVersion)).toBe(true);

    // Nobody ever got a shadow answer; a user never went back from the candidate to the champion.
    const answers = load.answers.filter((a) => a.status === 200);
    expect(answers.length).toBeGreaterThan(200);
    expect(answers.every((a) => a.variant === 'champion' || a.variant === 'canary')).toBe(true);
    const promotedAt = result.endedAt!;
    const byUser = new Map<string, Answer[]>();
    for (const a of answers.filter((a) => a.at < promotedAt - 1_000)) {
      byUser.set(a.user, [...(byUser.get(a.user) ?? []), a]);
    }
    for (const seen of byUser.values()) {
      const firstCanary = seen.findIndex((a) => a.variant === 'canary');
      if (firstCanary >= 0) expect(seen.slice(firstCanary).every((a) => a.variant === 'canary')).toBe(true);
    }

    // The 25% step: the share of users the candidate answered in its window (the cache bound excluded).
    const step = result.analyses.find((a) => a.stepName === 'canary 25%')!;
    const inStep = answers.filter((a) => a.at >= step.window.from + 600 && a.at < step.window.to);
    const stepUsers = new Map(inStep.map((a) => [a.user, a.variant]));
    const share = [...stepUsers.values()].filter((v) => v === 'canary').length / stepUsers.size;
    // ~200 users in the window: the share's deviation is ~3 points; 12 points is four deviations.
    expect(Math.abs(share - 0.25)).toBeLessThan(0.12);

    // Audit: each verdict with its figures, then the promotion.
    const audit = await harness.deps.store.audit.list({ model });
    const analyses = audit.filter((e) => e.kind === 'rollout-analysis');
    expect(analyses.length).toBe(result.analyses.length);
    expect(analyses.every((e) => e.details.figures && e.details.verdict && e.details.reasons)).toBe(true);
    expect(audit[0]!.kind).toBe('rollout-promoted');
  });

  test('with a zero soak, each analysis closes its step window itself and reads the traffic captured until then', async () => {
    const model = 'ro-zero-soak';
    const { candidateVersion } = await modelWith(harness, model, { champion, candidate: better });
    const captured = captureRolloutTraffic(harness.deps, model, { everyMs: 2 });
    const { handle, result } = await rollOutToTheEnd(model, candidateVersion, {
      config: fastRollout({ steps: ['shadow', 50, 100], soak: '0s', minSamples: 1, maxExtensions: 10 }),
    });
    await captured.stop();
    await recordHistory(handle, 'rollout-zero-soak');

    expect(result.outcome, result.reasons.join('; ')).toBe('promoted');
    // The workflow's clock does not move between a step's flag write and its first analysis; the
    // window must still be a real span, ended by the analysis, and the audit records that span.
    const firsts = ['shadow', 'canary 50%', 'canary 100%'].map(
      (name) => result.analyses.find((a) => a.stepName === name)!,
    );
    for (const first of firsts) expect(first.window.to).toBeGreaterThan(first.window.from);
    const audited = (await harness.deps.store.audit.list({ model }))
      .filter((e) => e.kind === 'rollout-analysis')
      .map((e) => e.details.window);
    expect(audited).toEqual(expect.arrayContaining(firsts.map((a) => a.window)));
    // The steps passed on what they read.
    const passed = result.analyses.filter((a) => a.verdict === 'success');
    expect(passed.map((a) => a.stepName)).toEqual(['shadow', 'canary 50%', 'canary 100%']);
    for (const a of passed) expect(a.figures.candidate.predictions).toBeGreaterThan(0);
  });

  test('a candidate whose live error rate is worse is rolled back automatically; the gateway serves only the champion', async () => {
    const model = 'ro-regression';
    // Registered directly, as a bad model can slip past an offline gate; it answers most mail wrongly.
    const { championVersion, candidateVersion } = await modelWith(
      harness,
      model,
      { champion, candidate: flipped },
      { blessed: false },
    );
    load = simulateUsers({ url: gateway.address, model, messages: traffic, users: 300, feedbackShare: 0.5 });
    const { handle, result } = await rollOutToTheEnd(model, candidateVersion, {
      config: fastRollout({ steps: [25, 50, 100] }),
      allowUnblessed: true,
    });
    await load.stop();
    await recordHistory(handle, 'rollout-rolled-back');

    expect(result.outcome).toBe('rolled-back');
    const failed = result.analyses.at(-1)!;
    expect(failed).toMatchObject({ stepName: 'canary 25%', verdict: 'failure', action: 'rollback' });
    expect(failed.reasons.join('\n')).toMatch(/feedback error rate .* beyond/);
    expect(
      failed.figures.candidate.feedback.negative / failed.figures.candidate.feedback.rated,
    ).toBeGreaterThan(0.5);
    expect(result.reasons[0]).toMatch(/^canary 25%: feedback error rate/);
    expect(await harness.deps.flags.read(model)).toEqual({
      championVersion,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(championVersion);

    await new Promise((resolve) => setTimeout(resolve, 600));
    const after = await askEach(gateway.address, model, userKeys('user', 300), traffic);
    expect(after.every((a) => a.variant === 'champion' && a.modelVersion === championVersion)).toBe(true);
    const kinds = (await harness.deps.store.audit.list({ model })).map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['rollout-rolled-back', 'rollout-analysis']);
  });

  test('an inconclusive step is soaked again, then paused for a human, and keeps being watched while paused', async () => {
    // No traffic at all: every analysis lacks samples, which is never a pass.
    const extend = 'ro-inconclusive';
    const { candidateVersion } = await modelWith(harness, extend, { champion, candidate: better });
    await harness.client.startRollout(extend, candidateVersion, {
      config: fastRollout({ steps: [50, 100], soak: '1s', maxExtensions: 1 }),
    });
    const paused = await eventually(
      'the pause',
      () => status(extend),
      (s) => s.phase === 'paused',
    );
    expect(paused.analyses.map((a) => [a.verdict, a.action])).toEqual([
      ['inconclusive', 'extend'],
      ['inconclusive', 'pause'],
    ]);
    expect(paused.analyses[0]!.reasons[0]).toMatch(/^too little traffic to judge: candidate 0, champion 0/);
    expect(paused.paused?.by).toBe('rollout-analysis');
    expect(paused.paused?.reason).toMatch(/^canary 50% still inconclusive after 1 extension\(s\)/);
    // Paused, it still analyses each soak (a failure would roll back), without advancing.
    const watched = await eventually(
      'an analysis while paused',
      () => status(extend),
      (s) => s.analyses.some((a) => a.action === 'hold'),
    );
    expect(watched).toMatchObject({ phase: 'paused', stepName: 'canary 50%' });
    await harness.client.signalRollout(extend, 'abort', { by: 'test' });
    expect(
      await eventually(
        'the rollback',
        () => status(extend),
        (s) => s.outcome !== 'running',
      ),
    ).toMatchObject({
      outcome: 'rolled-back',
    });

    // onInconclusive "pause": no extension, a human decides at once.
    const pause = 'ro-inconclusive-pause';
    const other = await modelWith(harness, pause, { champion, candidate: better });
    await harness.client.startRollout(pause, other.candidateVersion, {
      config: fastRollout({ steps: [50, 100], soak: '1s', onInconclusive: 'pause' }),
    });
    const pausedAtOnce = await eventually(
      'the pause',
      () => status(pause),
      (s) => s.phase === 'paused',
    );
    expect(pausedAtOnce.analyses.map((a) => a.action)).toEqual(['pause']);
    await harness.client.signalRollout(pause, 'abort', { by: 'test' });
  });

  test('pausing stops advancing, not protecting: a paused step whose analysis fails is rolled back', async () => {
    const model = 'ro-paused-regression';
    const { championVersion, candidateVersion } = await modelWith(
      harness,
      model,
      { champion, candidate: flipped },
      { blessed: false },
    );
    load = simulateUsers({ url: gateway.address, model, messages: traffic, users: 300, feedbackShare: 0.5 });
    await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout({ steps: [30, 100], soak: '3s' }),
      allowUnblessed: true,
    });
    await harness.client.signalRollout(model, 'pause', { by: 'test', reason: 'hold it there' });
    const result = (await harness.client.temporal.workflow
      .getHandle(rolloutWorkflowId(model))
      .result()) as RolloutStatus;
    await load.stop();
    expect(result.outcome).toBe('rolled-back');
    expect(result.controls.map((c) => c.signal)).toEqual(['pause']);
    expect(result.analyses.at(-1)).toMatchObject({
      stepName: 'canary 30%',
      verdict: 'failure',
      action: 'rollback',
    });
    expect(result.analyses.every((a) => a.action === 'hold' || a.action === 'rollback')).toBe(true);
    expect(await harness.deps.flags.read(model)).toMatchObject({ championVersion, mode: 'off' });
  });

  test('a candidate the gate did not bless is refused unless asked for, and nothing is written', async () => {
    const model = 'ro-unblessed';
    const { championVersion, candidateVersion } = await modelWith(
      harness,
      model,
      { champion, candidate: flipped },
      { blessed: false },
    );
    const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
      config: fastRollout(),
    });
    const error = await harness.client.temporal.workflow
      .getHandle(workflowId)
      .result()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(causes(error)).toMatch(/not blessed by a gate/);
    expect((await status(model)).flags).toBeNull();
    expect((await harness.deps.flags.read(model)).championVersion).toBeNull();
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(championVersion);
  });
});
