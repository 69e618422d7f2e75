import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, expect, inject, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { KEY_ID_METADATA } from '../adapters/temporal-codec/aes-gcm-codec.ts';
import { type RunningStack, startStack } from '../cli/embedded-stack.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import { ReviewClient } from '../client/review-client.ts';
import { configuredTemporalTarget } from '../workers/configured-target.ts';
import { openDeps } from '../workers/open-deps.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { reviewWorkflowId } from '../workflows/review-messages.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { payloadsOf } from './support/history-payloads.ts';
import { openReviewQueue } from './support/review-queue.ts';
import { testLogger } from './support/temporal.ts';

/**
 * The codec as `flywheel dev` wires it: keys and token from the environment (FLYWHEEL_PAYLOAD_KEYS,
 * FLYWHEEL_CODEC_TOKEN), the stack's workers and codec server from startStack, and a client that reads the
 * same environment, as every `flywheel` command does. The stack runs against the run's dev server (as with
 * TEMPORAL_ADDRESS set) in a namespace of its own, so its workers poll the default task queues alone.
 */
const KEY_ID = 'dev-2026';
const namespace = `codec-dev-${randomUUID().slice(0, 8)}`;
const token = randomBytes(16).toString('hex');
const variables = {
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: namespace,
  FLYWHEEL_PAYLOAD_KEYS: `${KEY_ID}=${randomBytes(32).toString('base64')}`,
  FLYWHEEL_CODEC_TOKEN: token,
};
const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-dev-codec-'));
let stack: RunningStack | undefined;
let client: FlywheelClient | undefined;

/** A namespace of the test's own on the run's dev server, usable once this resolves. */
async function registerNamespace() {
  const connection = await Connection.connect({ address: variables.TEMPORAL_ADDRESS });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace reaches the frontend's cache a moment after it is registered.
    await expect
      .poll(
        () =>
          connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }).then(
            () => true,
            () => false,
          ),
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
  } finally {
    await connection.close();
  }
}

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('a reviewed cycle through the wiring of `flywheel dev` with FLYWHEEL_PAYLOAD_KEYS leaves no captured text in its histories', async () => {
  const model = 'codec-dev';
  await registerNamespace();
  Object.assign(process.env, variables);
  // What a user does before `flywheel dev`: a champion and captured traffic in the data folder.
  const deps = await openDeps({ dataDir, logger: testLogger });
  const captured = era2().traffic.slice(0, 80);
  try {
    const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
    const champion = await registerModelFromCorpus(deps, {
      model,
      examples: [
        ...era1.filter((m) => m.label === 'ham').slice(0, 150),
        ...era1.filter((m) => m.label === 'spam').slice(0, 150),
      ].map(({ id, text, label, group }) => ({ id, text, label, group })),
      source: 'spamassassin (300)',
      champion: 'always',
      actor: 'test',
    });
    await captureTraffic(deps, {
      model,
      versionId: champion.versionId,
      messages: captured,
      feedbackShare: 0,
      wrongFeedbackShare: 0,
      seed: 7,
    });
  } finally {
    await deps.close();
  }

  stack = await startStack({
    dataDir,
    logger: testLogger,
    gatewayPort: null,
    consolePort: null,
    codecPort: 0,
  });
  expect(stack.temporal).toMatchObject({ namespace, embedded: false });
  expect(stack.codec).toMatchObject({ token, generatedToken: false });
  client = await FlywheelClient.connect(configuredTemporalTarget());

  const started = await client.startCycle(model, {
    config: {
      mining: { labelBudget: 4, lowConfidenceThreshold: 0.99 },
      autoLabel: { rules: [] },
      review: { reviewers: ['alice'] },
      rollout: { startAfterBlessing: false },
    },
  });
  const review = client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  const queue = await openReviewQueue(review, 120_000);
  const excerpts = queue.pending.map((item) => item.excerpt).filter((excerpt) => excerpt.length >= 20);
  expect(excerpts.length).toBeGreaterThan(0);
  await new ReviewClient(client).decide(model, started.number, {
    action: 'approve-all-remaining',
    reviewer: 'alice',
  });
  const cycle = client.temporal.workflow.getHandle(started.workflowId);
  const result = (await cycle.result()) as CycleStatus;
  expect(result.labels?.human).toBe(4);
  expect(result.cost.reviewerDecisions).toBe(1);

  const snippets = [
    ...excerpts.map((excerpt) => excerpt.slice(0, 40)),
    ...captured
      .map((message) => message.text.replace(/\s+/g, ' ').trim().slice(0, 40))
      .filter((snippet) => snippet.length >= 20),
  ];
  for (const handle of [review, cycle]) {
    const raw = historyToJSON(await handle.fetchHistory());
    const payloads = payloadsOf(JSON.parse(raw));
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.metadata![KEY_ID_METADATA]!, 'base64').toString()).toBe(KEY_ID);
    }
    for (const snippet of snippets) expect(raw).not.toContain(snippet);

    // The stack's codec server, with the configured token, reads them back for the Temporal UI.
    const answer = await fetch(`${stack.codec!.endpoint}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ payloads }),
    });
    expect(answer.status).toBe(200);
    const decoded = (await answer.json()) as { payloads: Array<{ data: string }> };
    const clear = decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
    if (handle === review) {
      // The control: the scan above would have found the excerpts had they been in clear.
      expect(excerpts.some((excerpt) => clear.includes(JSON.stringify(excerpt).slice(1, 30)))).toBe(true);
    }
  }
});
