import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import type { RunningGateway } from '../gateway/run-gateway.ts';
import type { RolloutStatus } from '../workflows/rollout-messages.ts';
import { era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import {
  askEach,
  eventually,
  fastRollout,
  gatewayOver,
  modelWith,
  type SimulatedUsers,
  simulateUsers,
  trainRolloutVersions,
  userKeys,
} from './support/rollout-traffic.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from './support/unleash.ts';

/**
 * A rollout whose flags live in a real Unleash server, with the real gateway reading them through
 * unleash-client, and the server stopped in the middle: the gateway keeps serving, the rollout's flag
 * write is retried and the rollout waits on it, and everything lands once Unleash is back.
 */

let postgres: ThrowawayPostgres;
let unleash: ThrowawayUnleash;
let harness: FlywheelHarness;
let gateway: RunningGateway;
let traffic: CorpusMessage[];
let champion: ModelVersion;
let better: ModelVersion;
let load: SimulatedUsers | undefined;
const envBefore = { ...process.env };

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  unleash = await startThrowawayUnleash(postgres);
  // The worker's deps and the gateway read their configuration from the environment, as processes do.
  Object.assign(process.env, unleash.env(), { FLYWHEEL_UNLEASH_REFRESH_MS: '200' });
  harness = await flywheelHarness();
  await harness.startWorkers({ training: false });
  gateway = await gatewayOver(harness);
  traffic = era2().traffic;
  ({ champion, better } = await trainRolloutVersions(harness, traffic));
}, 300_000);

afterAll(async () => {
  await load?.stop();
  await gateway?.close();
  await harness?.close();
  await unleash?.stop();
  await postgres?.stop();
  for (const name of Object.keys(process.env)) if (!(name in envBefore)) delete process.env[name];
});

test('Unleash stopped mid-rollout: the gateway keeps serving, the flag write retries and the rollout waits, then finishes', async () => {
  expect(harness.deps.flags.kind).toBe('unleash');
  const model = 'ro-unleash';
  const { championVersion, candidateVersion } = await modelWith(harness, model, {
    champion,
    candidate: better,
  });
  load = simulateUsers({ url: gateway.address, model, messages: traffic, users: 300, feedbackShare: 0.5 });
  const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
    config: {
      ...fastRollout({ steps: ['shadow', 25, 100] }),
      // Enough attempts to outlast the outage (the default, 5, gives up after ~15 s).
      activities: { retry: { initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: 300 } },
    },
    trigger: 'test',
  });
  const handle = harness.client.temporal.workflow.getHandle(workflowId);
  const status = () => harness.client.rolloutStatus(model);
  await eventually(
    'the 25% step written',
    status,
    (s: RolloutStatus) => s.flags?.mode === 'canary' && s.flags.percent === 25,
    120_000,
  );

  // The gateway polls Unleash: wait until its copy has the 25% step too, so the outage freezes that step.
  const written = Date.now();
  await eventually(
    'the gateway serving the canary',
    async () => load!.answers.some((a) => a.at > written && a.variant === 'canary'),
    (seen) => seen,
    60_000,
  );
  await unleash.stop();
  const servedDuringOutage = load.answers.length;
  // The next write (100%) fails and is retried: the activity stays pending with the outage as its failure.
  const pending = await eventually(
    'a retried flag write',
    () => handle.describe(),
    (d) =>
      d.raw.pendingActivities?.some(
        (a) =>
          a.activityType?.name === 'setRolloutFlags' &&
          (a.attempt ?? 0) >= 2 &&
          (a.lastFailure?.message ?? '').includes('cannot reach Unleash'),
      ) ?? false,
    120_000,
  );
  expect(pending.status.name).toBe('RUNNING');
  // The rollout did not take the write for done: its flags are still the 25% step's.
  expect((await status()).flags).toMatchObject({ mode: 'canary', percent: 25 });
  // The gateway answered throughout, from its last copy of the flags.
  await eventually(
    'answers during the outage',
    async () => load!.answers.length,
    (n) => n > servedDuringOutage + 20,
  );
  expect(load.answers.slice(servedDuringOutage).every((a) => a.status === 200)).toBe(true);

  await unleash.restart();
  const result = (await handle.result()) as RolloutStatus;
  await load.stop();
  // Once Unleash was back the write landed and the rollout went on: the 100% step was reached and judged.
  // Its verdict is the analysis's own business (sparse feedback can roll back a good candidate); whichever
  // it is, the flags in Unleash and what the gateway serves follow it.
  expect(result.analyses.map((a) => a.stepName)).toContain('canary 100%');
  expect(['promoted', 'rolled-back']).toContain(result.outcome);
  const servedVersion = result.outcome === 'promoted' ? candidateVersion : championVersion;
  expect(load.answers.every((a) => a.status === 200)).toBe(true);
  expect(await harness.deps.flags.read(model)).toEqual({
    championVersion: servedVersion,
    candidateVersion: null,
    mode: 'off',
    percent: 0,
  });
  const after = await eventually(
    'the gateway serving the champion the rollout left to everyone',
    () => askEach(gateway.address, model, userKeys('after', 30), traffic),
    (answers) => answers.every((a) => a.variant === 'champion' && a.modelVersion === servedVersion),
    60_000,
  );
  expect(after).toHaveLength(30);
}, 400_000);

test("Unleash down when a rollout is aborted: the champion-only write retries past the config's attempts until it lands", async () => {
  const model = 'ro-unleash-abort';
  const { championVersion, candidateVersion } = await modelWith(harness, model, {
    champion,
    candidate: better,
  });
  const { workflowId } = await harness.client.startRollout(model, candidateVersion, {
    config: {
      // A soak longer than the test: only the abort ends the step.
      ...fastRollout({ steps: [25, 100], soak: '1h' }),
      // Two attempts for ordinary activities; the compensation is not bound by them.
      activities: { retry: { initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: 2 } },
    },
    trigger: 'test',
  });
  const handle = harness.client.temporal.workflow.getHandle(workflowId);
  const status = () => harness.client.rolloutStatus(model);
  await eventually(
    'the 25% step soaking',
    status,
    (s: RolloutStatus) => s.phase === 'soaking' && s.flags?.percent === 25,
    120_000,
  );
  await unleash.stop();
  await harness.client.signalRollout(model, 'abort', { by: 'oncall', reason: 'bad numbers' });
  const pending = await eventually(
    'the champion-only write retried past the attempts of ordinary activities',
    () => handle.describe(),
    (d) =>
      d.raw.pendingActivities?.some(
        (a) =>
          a.activityType?.name === 'restoreChampion' &&
          (a.attempt ?? 0) > 2 &&
          (a.lastFailure?.message ?? '').includes('cannot reach Unleash'),
      ) ?? false,
    120_000,
  );
  expect(pending.status.name).toBe('RUNNING');
  expect(await status()).toMatchObject({ phase: 'rolling-back', outcome: 'running' });

  await unleash.restart();
  const result = (await handle.result()) as RolloutStatus;
  expect(result).toMatchObject({ outcome: 'rolled-back', flags: { mode: 'off', championVersion } });
  expect(await harness.deps.flags.read(model)).toEqual({
    championVersion,
    candidateVersion: null,
    mode: 'off',
    percent: 0,
  });
}, 400_000);
