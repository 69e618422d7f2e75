import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { AesGcmPayloadCodec, KEY_ID_METADATA } from '../adapters/temporal-codec/aes-gcm-codec.ts';
import { type RunningCodecServer, runCodecServer } from '../adapters/temporal-codec/codec-server.ts';
import { dataConverterFor } from '../adapters/temporal-codec/data-converter.ts';
import { parsePayloadKeys } from '../adapters/temporal-codec/payload-keys.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import { reviewWorkflowId } from '../workflows/review-messages.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { payloadsOf } from './support/history-payloads.ts';
import { openReviewQueue } from './support/review-queue.ts';
import { testWorkers } from './support/temporal.ts';
import { advance } from './workflows/probe.ts';

const oldKey = `2025-q4=${randomBytes(32).toString('base64')}`;
const newKey = `2026-q1=${randomBytes(32).toString('base64')}`;
const ring = parsePayloadKeys(`${newKey},${oldKey}`, 'test');
const PROBE_WORKFLOWS = new URL('./workflows/probe.ts', import.meta.url).pathname;

let harness: FlywheelHarness;
let codecServer: RunningCodecServer;
const token = randomBytes(16).toString('hex');
const uiOrigin = 'http://127.0.0.1:8233';

beforeAll(async () => {
  harness = await flywheelHarness({ dataConverter: dataConverterFor(ring) });
  await harness.startWorkers();
  codecServer = await runCodecServer({
    codec: new AesGcmPayloadCodec(ring),
    token,
    allowedOrigins: [uiOrigin],
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await codecServer?.close();
  await harness?.close();
});

test('a reviewed cycle run with the codec on leaves no captured text in its histories, and the codec server reads them back', async () => {
  const model = 'codec-review';
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const examples = [
    ...era1.filter((m) => m.label === 'ham').slice(0, 150),
    ...era1.filter((m) => m.label === 'spam').slice(0, 150),
  ];
  const champion = await registerModelFromCorpus(harness.deps, {
    model,
    examples: examples.map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin (300)',
    champion: 'always',
    actor: 'test',
  });
  const captured = era2().traffic.slice(0, 80);
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: captured,
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    seed: 7,
  });
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 4, lowConfidenceThreshold: 0.99 },
      autoLabel: { rules: [] },
      review: { reviewers: ['alice'] },
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  const review = harness.client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  const queue = await openReviewQueue(review);
  // The query answer went through the codec: the client reads the excerpts in clear.
  const excerpts = queue.pending.map((item) => item.excerpt).filter((excerpt) => excerpt.length >= 20);
  expect(excerpts.length).toBeGreaterThan(0);
  await review.signal('approve-all-remaining', { reviewer: 'alice' });
  const cycle = harness.client.temporal.workflow.getHandle(started.workflowId);
  const result = (await cycle.result()) as CycleStatus;
  expect(result.labels?.human).toBe(4);

  // Snippets of every text the cycle could have carried: the review excerpts and the captured mails.
  const snippets = [
    ...excerpts.map((excerpt) => excerpt.slice(0, 40)),
    ...captured
      .map((message) => message.text.replace(/\s+/g, ' ').trim().slice(0, 40))
      .filter((s) => s.length >= 20),
  ];
  for (const handle of [review, cycle]) {
    const raw = historyToJSON(await handle.fetchHistory());
    const payloads = payloadsOf(JSON.parse(raw));
    expect(payloads.length).toBeGreaterThan(0);
    // Every payload is sealed under the current key…
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.metadata![KEY_ID_METADATA]!, 'base64').toString()).toBe('2026-q1');
    }
    // …so neither the raw JSON nor any payload's bytes hold a captured text.
    const decodedBytes = payloads.map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8')).join('\n');
    for (const snippet of snippets) {
      expect(raw).not.toContain(snippet);
      expect(decodedBytes).not.toContain(snippet);
    }
    // The codec server, with its token, turns them back into what the workflows saw.
    const answer = await fetch(`${codecServer.endpoint}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: uiOrigin },
      body: JSON.stringify({ payloads }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const decoded = (await answer.json()) as { payloads: Array<{ data: string }> };
    const clear = decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');
    if (handle === review) {
      // The control: the scan above would have found the excerpts had they been in clear.
      expect(excerpts.some((excerpt) => clear.includes(JSON.stringify(excerpt).slice(1, 30)))).toBe(true);
    }
  }
});

test('the codec server asks for its token, answers only the configured origin, and names an unknown key', async () => {
  const [sealed] = await new AesGcmPayloadCodec(ring).encode([defaultPayloadConverter.toPayload('hello')]);
  const body = JSON.stringify({
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(sealed!.data!).toString('base64'),
      },
    ],
  });
  const post = (headers: Record<string, string>, path = 'decode', payload = body) =>
    fetch(`${codecServer.endpoint}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
    });
  const anonymous = await post({});
  expect(anonymous.status).toBe(401);
  expect(await anonymous.json()).toEqual({
    error: { code: 'unauthenticated', message: 'send Authorization: Bearer <codec server token>' },
  });
  expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);

  const preflight = await fetch(`${codecServer.endpoint}/decode`, {
    method: 'OPTIONS',
    headers: { origin: uiOrigin, 'access-control-request-method': 'POST' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  const stranger = await fetch(`${codecServer.endpoint}/decode`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
  });
  expect(stranger.status).toBe(403);
  expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

  const roundTrip = await post({ authorization: `Bearer ${token}` });
  const decoded = (await roundTrip.json()) as { payloads: Array<{ data: string }> };
  expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toBe('"hello"');

  const stranger2 = new AesGcmPayloadCodec(
    parsePayloadKeys(`lost=${randomBytes(32).toString('base64')}`, 't'),
  );
  const [foreign] = await stranger2.encode([defaultPayloadConverter.toPayload('x')]);
  const unknown = await post(
    { authorization: `Bearer ${token}` },
    'decode',
    JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(foreign!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(foreign!.data!).toString('base64'),
        },
      ],
    }),
  );
  expect(unknown.status).toBe(422);
  expect(await unknown.json()).toMatchObject({
    error: { code: 'unknown_key', message: expect.stringContaining('"lost"') },
  });
  expect((await post({ authorization: `Bearer ${token}` }, 'decode', '{"payloads": 3}')).status).toBe(400);
});

test('a payload under a key the worker lacks fails its workflow task, naming the key, and the workflow completes once the key is added', async () => {
  const taskQueue = `codec-probe-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({
    connection,
    namespace: inject('temporalNamespace'),
    dataConverter: dataConverterFor(ring),
  });
  // A worker that was not given the rotated-in key.
  const stale = await testWorkers({
    workflowsPath: PROBE_WORKFLOWS,
    activities: {},
    taskQueue,
    dataConverter: dataConverterFor(parsePayloadKeys(oldKey, 'test')),
  });
  try {
    const handle = await client.workflow.start('probe', {
      taskQueue,
      workflowId: `codec-probe-${taskQueue}`,
    });
    await handle.signal(advance, 'done');
    let failure = '';
    await expect
      .poll(
        async () => {
          const history = await handle.fetchHistory();
          const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes);
          failure = failed?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
          return failure;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toMatch(/key id "2026-q1"/);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await stale.stop();

    const mended = await testWorkers({
      workflowsPath: PROBE_WORKFLOWS,
      activities: {},
      taskQueue,
      dataConverter: dataConverterFor(ring),
    });
    try {
      expect(await handle.result()).toBe('done');
    } finally {
      await mended.stop();
    }
  } finally {
    await stale.stop().catch(() => undefined);
    await connection.close();
  }
});
