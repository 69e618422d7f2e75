import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../adapters/log/logger.ts';
import { openDeps } from '../workers/open-deps.ts';
import { activityAuditKey } from './audit-key.ts';
import type { ActivityDeps } from './deps.ts';
import type { RecordRolloutEventInput } from './rollout/contracts.ts';
import { recordRolloutEventActivity } from './rollout/record-rollout-event.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-audit-key-'));
let deps: ActivityDeps & { close(): Promise<void> };

beforeAll(async () => {
  deps = await openDeps({ dataDir, logger: createLogger('test', { level: 'silent', destination: 2 }) });
});
afterAll(async () => {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const environment = (activityId: string, attempt: number, runId = 'run-1') =>
  new MockActivityEnvironment({
    activityId,
    attempt,
    workflowExecution: { workflowId: 'flywheel-rollout-m-1', runId },
  });

describe('audit idempotency keys of activities', () => {
  it('is the same for every attempt of one activity and differs between activities and runs', async () => {
    const key = (env: MockActivityEnvironment) => env.run(async () => activityAuditKey());
    expect(await key(environment('7', 1))).toBe('flywheel-rollout-m-1/run-1/7');
    expect(await key(environment('7', 4))).toBe('flywheel-rollout-m-1/run-1/7');
    expect(await key(environment('8', 1))).toBe('flywheel-rollout-m-1/run-1/8');
    // After continue-as-new, activity ids count from 1 again in a new run.
    expect(await key(environment('7', 1, 'run-2'))).toBe('flywheel-rollout-m-1/run-2/7');
    expect(activityAuditKey()).toBeUndefined();
  });

  it('a retried activity writes its audit line once', async () => {
    const input: RecordRolloutEventInput = {
      model: 'm',
      cycleId: 'm-cycle-1',
      rolloutId: 'flywheel-rollout-m-1',
      kind: 'rollout-paused',
      actor: 'alice',
      details: { reason: 'looking at it' },
    };
    const record = recordRolloutEventActivity(deps);
    for (const attempt of [1, 2, 3]) await environment('3', attempt).run(record, input);
    await environment('4', 1).run(record, { ...input, kind: 'rollout-resumed' });
    const lines = await deps.store.audit.list({ cycleId: 'm-cycle-1' });
    expect(lines.map((line) => line.kind)).toEqual(['rollout-resumed', 'rollout-paused']);
  });
});
