import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ModelVersion } from '../core/registry/model-version.ts';
import { rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

/**
 * Hand-made champion changes (`flywheel models rollback`): through a workflow on the real dev server,
 * idempotent by their named target, refused under a live rollout even when no worker polls, and the
 * `--offline` break-glass audited and idempotent the same way.
 */

let harness: FlywheelHarness;

beforeAll(async () => {
  harness = await flywheelHarness();
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

/** Two registered versions, the second the champion and the first previous (as after a promotion). */
async function promoted(model: string): Promise<{ older: string; newer: string }> {
  const version = (id: string, createdAt: number): ModelVersion => ({
    id,
    model,
    artifactSha256: 'a'.repeat(64),
    datasetId: `${model}-dataset`,
    labels: ['ham', 'spam'],
    trainer: 'test',
    params: {},
    metrics: { accuracy: 0.9 },
    blessedBy: null,
    createdAt,
  });
  const older = `${model}-v1`;
  const newer = `${model}-v2`;
  await harness.deps.store.models.register(version(older, 1));
  await harness.deps.store.models.register(version(newer, 2));
  const move = { model, reason: 'setup', actor: 'test', at: 3 };
  await harness.deps.store.models.moveAlias({ ...move, alias: 'previous', versionId: older });
  await harness.deps.store.models.moveAlias({ ...move, alias: 'champion', versionId: newer });
  await harness.deps.flags.write(model, {
    championVersion: newer,
    candidateVersion: null,
    mode: 'off',
    percent: 0,
  });
  return { older, newer };
}

const rollbacks = async (model: string) =>
  (await harness.deps.store.audit.list({ model, limit: 100 })).filter(
    (event) => event.kind === 'champion-rolled-back',
  );

describe('models rollback', () => {
  test('is refused under a live rollout with no worker polling, naming the rollout, and changes nothing', async () => {
    const model = 'cc-live';
    const { newer } = await promoted(model);
    await harness.client.startRollout(model, newer, { trigger: 'test', allowUnblessed: true });
    try {
      const refused = await flywheel(['models', 'rollback', model]);
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr).toMatch(
        new RegExp(`a rollout of ${model} is running \\(${rolloutWorkflowId(model)} \\(run [0-9a-f-]+\\)\\)`),
      );
      expect(await harness.deps.store.models.alias(model, 'champion')).toBe(newer);
      expect(await rollbacks(model)).toEqual([]);
    } finally {
      await harness.client.temporal.workflow.getHandle(rolloutWorkflowId(model)).terminate('test over');
    }
  });

  test('--offline moves to the named version once: a second run changes nothing and is not audited again', async () => {
    const model = 'cc-offline';
    const { older, newer } = await promoted(model);
    const first = await flywheel([
      'models',
      'rollback',
      model,
      '--offline',
      '--reason',
      'no temporal',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ model, champion: older, previous: newer, changed: true });
    const second = await flywheel(['models', 'rollback', model, '--offline', '--to', older, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ model, champion: older, previous: newer, changed: false });
    expect(await harness.deps.store.models.alias(model, 'champion')).toBe(older);
    expect(await harness.deps.flags.read(model)).toMatchObject({ championVersion: older, mode: 'off' });
    const audited = await rollbacks(model);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actor: 'cli-offline:tester',
      details: { championVersion: older, previousVersion: newer, via: 'offline', reason: 'no temporal' },
    });
  });

  test('through its workflow: rolling back twice to the same version is one change, one audit event', async () => {
    await harness.startWorkers({ training: false });
    const model = 'cc-twice';
    const { older, newer } = await promoted(model);
    const first = await flywheel(['models', 'rollback', model, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ model, champion: older, previous: newer, changed: true });
    const second = await flywheel(['models', 'rollback', model, '--to', older, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ model, champion: older, previous: newer, changed: false });
    const champions = (await harness.deps.store.models.aliasHistory(model)).filter(
      (move) => move.alias === 'champion',
    );
    expect(champions.map((move) => move.versionId)).toEqual([newer, older]);
    expect(await harness.deps.flags.read(model)).toMatchObject({ championVersion: older, mode: 'off' });
    const audited = await rollbacks(model);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'cli:tester', details: { via: 'workflow' } });

    const unknown = await flywheel(['models', 'rollback', model, '--to', 'no-such-version']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cc-twice has no version no-such-version/);
  });
});

/** Runs the real `flywheel` CLI against the test's dev server and data folder. */
function flywheel(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [new URL('../cli/bin.ts', import.meta.url).pathname, ...args],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: inject('temporalNamespace'),
          FLYWHEEL_DATA_DIR: harness.dataDir,
          FLYWHEEL_TASK_QUEUE: harness.taskQueue,
          FLYWHEEL_LOG_LEVEL: 'warn',
          USER: 'tester',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
