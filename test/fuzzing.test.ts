import { connect } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { FlywheelError } from '../client/client-errors.ts';
import {
  configureMonitor,
  pauseMonitor,
  resumeMonitor,
  startMonitor,
  stopMonitor,
} from '../client/monitors.ts';
import { MonitorPolicy } from '../core/monitor/monitor-policy.ts';
import { MAX_BODY_BYTES, MAX_TEXT_LENGTH } from '../gateway/request-schemas.ts';
import {
  decideUpdate,
  decisionLogQuery,
  REVIEW_SIGNALS,
  type ReviewQueueView,
  reviewQueueQuery,
  reviewWorkflowId,
} from '../workflows/review-messages.ts';
import { type Harness, MODEL, startHarness } from './gateway/gateway-harness.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';

/**
 * Generated input against the real parts: the gateway over real HTTP, and a real review, cycles and a
 * monitor on the dev server. Whatever arrives, the answer is a 2xx or a 4xx with a message, a refusal
 * with its reason — never a 5xx and never a workflow task that fails (a poisoned workflow retries its
 * task for ever and is stuck).
 */

const ErrorShape = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+$/),
    message: z.string().min(1),
    field: z.string().optional(),
  }),
});

/** numRuns of the HTTP properties below; their sum is the number of generated requests. */
const HTTP_RUNS = { bodies: 800, paths: 500, headers: 400, rawLengths: 150, feedback: 300 };
const HTTP_TOTAL = Object.values(HTTP_RUNS).reduce((sum, runs) => sum + runs, 0);

interface Answer {
  status: number;
  body: unknown;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What every answer must be: a 2xx, or a 4xx in the error shape with a message. */
function checkAnswer(answer: Answer, what: string): void {
  const context = `${what} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.status, context).toBeGreaterThanOrEqual(200);
  if (answer.status >= 300) {
    expect(answer.status, context).toBeGreaterThanOrEqual(400);
    expect(ErrorShape.safeParse(answer.body).success, context).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries shared by bodies and payloads.

const hugeString = fc.constantFrom(
  'a'.repeat(MAX_TEXT_LENGTH + 1),
  'é'.repeat(MAX_TEXT_LENGTH),
  '🙂'.repeat(MAX_TEXT_LENGTH / 2 + 1),
  ' '.repeat(MAX_TEXT_LENGTH * 2),
);
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\u202e', 'ham', 'spam', '__proto__', 'constructor', 'null'),
  hugeString,
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  fc.array(oddString, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 4 }),
);

// ---------------------------------------------------------------------------------------------------

describe('fuzzing the gateway over real HTTP', () => {
  let harness: Harness;
  let predictionIds: string[];
  let host: string;
  let port: number;
  let sent = 0;

  beforeAll(async () => {
    harness = await startHarness();
    predictionIds = [];
    for (const text of ['hello there', 'win money now', 'meeting at noon']) {
      const answer = await harness.post(`/v1/models/${MODEL}/predict`, { text });
      predictionIds.push(answer.body.predictionId);
    }
    const url = new URL(harness.url);
    host = url.hostname;
    port = Number(url.port);
  });
  afterAll(() => harness?.dispose());

  async function send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    sent++;
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers,
      ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
    });
    return { status: response.status, body: parseBody(await response.text()) };
  }

  /** A request written on the socket as is: the Content-Length need not match the body. */
  function sendRaw(path: string, head: string[], body: Buffer): Promise<Answer> {
    sent++;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      // The gateway may answer and close before a long body is all written: the write then fails with
      // ECONNRESET, yet the answer already came. Only a missing answer is a failure.
      let failure: Error | undefined;
      socket.on('error', (error) => {
        failure = error;
      });
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        // Only the first answer counts: bytes past Content-Length are the start of another request.
        const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
        if (!match) {
          return reject(
            new Error(
              `no HTTP answer (${failure?.message ?? 'closed'}): ${JSON.stringify(text.slice(0, 200))}`,
            ),
          );
        }
        const length = /content-length: (\d+)/i.exec(match[2]!);
        const rest = Buffer.from(match[3]!, 'utf8');
        const first = length ? rest.subarray(0, Number(length[1])).toString('utf8') : match[3]!;
        resolve({ status: Number(match[1]), body: parseBody(first) });
      });
      socket.write(
        Buffer.concat([
          Buffer.from(
            [`POST ${path} HTTP/1.1`, `Host: ${host}:${port}`, 'Connection: close', ...head, '', ''].join(
              '\r\n',
            ),
          ),
          body,
        ]),
      );
    });
  }

  const predictPath = `/v1/models/${MODEL}/predict`;
  const feedbackPath = (id: string) => `/v1/predictions/${id}/feedback`;
  const json = 'application/json';

  const nearlyValid = fc.record(
    {
      text: fc.oneof(oddString, anyValue),
      userKey: anyValue,
      metadata: fc.oneof(anyValue, fc.dictionary(fc.string({ maxLength: 70 }), oddString, { maxKeys: 40 })),
      feedbackId: fc.oneof(oddString, anyValue),
      kind: fc.oneof(fc.constantFrom('label', 'correct', 'incorrect', 'LABEL', ''), anyValue),
      label: fc.oneof(fc.constantFrom('ham', 'spam', 'eggs', ''), anyValue),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  // Predictions a client could well send: any unicode text, with or without a user and metadata.
  const plausiblePrediction = fc.record(
    {
      text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).filter((t) => t.trim() !== ''),
      userKey: fc.string({ minLength: 1, maxLength: 40 }),
      metadata: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/), fc.string({ maxLength: 40 }), {
        maxKeys: 4,
      }),
    },
    { requiredKeys: ['text'] },
  );
  const garbageBody = fc.oneof(
    { arbitrary: plausiblePrediction.map((value) => JSON.stringify(value)), weight: 5 },
    nearlyValid.map((value) => JSON.stringify(value)),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      '',
      '{',
      '{"text": ',
      'null',
      '"text"',
      '[]',
      '{"text": "hi", "__proto__": {"x": 1}}',
      '{"text": "hi", "constructor": {"prototype": {"x": 1}}}',
      '{"text": "\\ud800"}',
      `{"text": "${'a'.repeat(MAX_BODY_BYTES)}"}`,
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      '{"text": 1e999}',
    ),
    fc.constant(undefined),
  );
  const modelPath = fc.oneof(
    fc.constant(MODEL),
    fc.constantFrom('Spam', 'spam-', '-spam', 'a', 'x'.repeat(200), '..', '%2e%2e', 'spam%00', 'spam%2Fx'),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
  );
  const predictionIdPath = fc.oneof(
    fc.constantFrom(...['p0', 'x'.repeat(500), '%ff', '%', '%2F']),
    fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent),
    fc.uuid(),
    fc.stringMatching(/^[0-9a-f]{8,40}$/),
  );

  test('bodies: any body to predict or feedback gets a 2xx or a 4xx with a message', async () => {
    const path = fc.oneof(
      fc.constant(predictPath),
      fc.constantFrom(...[0, 1, 2]).map((i) => feedbackPath(predictionIds[i]!)),
      predictionIdPath.map(feedbackPath),
    );
    const contentType = fc.constantFrom(json, 'application/json; charset=utf-8', undefined);
    await fc.assert(
      fc.asyncProperty(path, garbageBody, contentType, async (p, b, t) => {
        checkAnswer(await send('POST', p, b, t ? { 'content-type': t } : {}), `POST ${p} ${b?.slice(0, 80)}`);
      }),
      { numRuns: HTTP_RUNS.bodies },
    );
  });

  test('paths and methods: model names, prediction ids, unknown routes and query strings', async () => {
    const path = fc.oneof(
      modelPath.map((model) => `/v1/models/${model}/predict`),
      predictionIdPath.map(feedbackPath),
      fc.constantFrom('/', '/healthz', '/metrics', '/v1', '/v1/models', '/v1/models//predict', '//'),
      fc.webPath(),
      fc.tuple(modelPath, fc.webQueryParameters()).map(([m, q]) => `/v1/models/${m}/predict?${q}`),
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    const body = fc.oneof(
      fc.constant(JSON.stringify({ text: 'a message about money' })),
      fc.constant(JSON.stringify({ kind: 'correct' })),
      garbageBody,
    );
    await fc.assert(
      fc.asyncProperty(method, path, body, async (m, p, b) => {
        const answer = await send(m, p, b, { 'content-type': json });
        // /metrics answers Prometheus text; everything else answers JSON.
        if (m === 'GET' && p === '/metrics') expect(answer.status).toBe(200);
        else checkAnswer(answer, `${m} ${p}`);
      }),
      { numRuns: HTTP_RUNS.paths },
    );
  });

  test('headers: content types, encodings, accept and API-key headers', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        json,
        'APPLICATION/JSON',
        'application/json; charset=latin1',
        'application/json;;;',
        'application/jsonx',
        'application/vnd.api+json',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain',
        'text/html',
        '*/*',
        '',
        ';',
      ),
      fc.string({ maxLength: 40 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
    );
    const extra = fc.record(
      {
        accept: fc.constantFrom('application/json', 'text/html', '*/*', 'nothing/at-all'),
        'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
        'x-api-key': fc.string({ maxLength: 60 }).filter((value) => /^[\x21-\x7e]*$/.test(value)),
        authorization: fc.constantFrom('Bearer', 'Bearer x', 'Basic Zm9vOmJhcg==', ''),
        'x-request-id': fc.string({ maxLength: 60 }).filter((value) => /^[\x21-\x7e]*$/.test(value)),
      },
      { requiredKeys: [] },
    );
    const route = fc.oneof(fc.constant(predictPath), fc.constant(feedbackPath(predictionIds[0]!)));
    const body = fc.oneof(fc.constant(JSON.stringify({ text: 'lunch tomorrow?' })), garbageBody);
    await fc.assert(
      fc.asyncProperty(route, contentType, extra, body, async (p, t, h, b) => {
        checkAnswer(await send('POST', p, b, { 'content-type': t, ...h }), `POST ${p} content-type ${t}`);
      }),
      { numRuns: HTTP_RUNS.headers },
    );
  });

  test('lengths: a Content-Length shorter than the body, or none at all, on the raw socket', async () => {
    const body = fc.oneof(
      fc.constant(JSON.stringify({ text: 'free money, click' })),
      nearlyValid.map((value) => JSON.stringify(value)),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(predictPath, feedbackPath(predictionIds[1]!)),
        body,
        fc.oneof(fc.nat(), fc.constant(-1), fc.constant(Number.NaN)),
        async (p, b, cut) => {
          const bytes = Buffer.from(b, 'utf8');
          const head = [`Content-Type: ${json}`];
          if (Number.isNaN(cut)) head.push('Content-Length: abc');
          else if (cut >= 0) head.push(`Content-Length: ${cut % (bytes.length + 1)}`);
          checkAnswer(await sendRaw(p, head, bytes), `raw POST ${p} ${head.join(' ')}`);
        },
      ),
      { numRuns: HTTP_RUNS.rawLengths },
    );
  });

  test('a Content-Length that is not a number gets the error shape, not Node\'s bare "Client Error"', async () => {
    const answer = await sendRaw(
      predictPath,
      [`Content-Type: ${json}`, 'Content-Length: abc'],
      Buffer.from('{}'),
    );
    expect(answer.status).toBe(400);
    expect(ErrorShape.parse(answer.body).error).toMatchObject({ code: 'invalid_content_length' });
    const twice = await sendRaw(
      predictPath,
      [`Content-Type: ${json}`, 'Content-Length: 2', 'Content-Length: 3'],
      Buffer.from('{}'),
    );
    expect(twice.status).toBe(400);
    ErrorShape.parse(twice.body);
  });

  test('feedback: nearly valid feedback on real predictions', async () => {
    const feedback = fc.record(
      {
        feedbackId: fc.oneof(fc.uuid(), oddString),
        kind: fc.constantFrom('label', 'correct', 'incorrect', 'wrong'),
        label: fc.constantFrom('ham', 'spam', 'Ham', '', 'x'.repeat(300)),
        comment: oddString,
      },
      { requiredKeys: ['kind'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), feedback, async (i, f) => {
        const p = feedbackPath(predictionIds[i]!);
        checkAnswer(await send('POST', p, JSON.stringify(f), { 'content-type': json }), `POST ${p}`);
      }),
      { numRuns: HTTP_RUNS.feedback },
    );
  });

  test(`the gateway still serves after ${HTTP_TOTAL} generated requests`, async () => {
    expect(sent).toBeGreaterThanOrEqual(2_000);
    const answer = await harness.post(predictPath, { text: 'still here?' });
    expect(answer.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('fuzzing the workflows: review decisions and signals, cycle and monitor configs', () => {
  let harness: FlywheelHarness;

  beforeAll(async () => {
    harness = await flywheelHarness();
    await harness.startWorkers();
  });
  afterAll(() => harness?.close());

  /**
   * Every workflow task that failed in the run's workflows (all on its task queue), but one kind: the
   * server refusing to close a workflow because events arrived while its last task ran
   * (UnhandledCommand, e.g. a monitor cancelled while its first check was being scheduled). That is
   * Temporal's optimistic concurrency, not a failure of the workflow code: the task is redone at once
   * with the new events. Those are counted apart, and each must be followed by a completed task.
   */
  async function workflowTaskFailures(): Promise<{ failed: string[]; redone: number; workflows: number }> {
    const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
    const failed: string[] = [];
    let redone = 0;
    let workflows = 0;
    const query = `TaskQueue = '${harness.taskQueue}'`;
    for await (const execution of harness.client.temporal.workflow.list({ query })) {
      workflows++;
      const handle = harness.client.temporal.workflow.getHandle(execution.workflowId, execution.runId);
      const events = (await handle.fetchHistory()).events ?? [];
      events.forEach((event, index) => {
        if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) return;
        const attributes = event.workflowTaskFailedEventAttributes;
        const cause = attributes?.cause ?? WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED;
        const completedLater = events
          .slice(index + 1)
          .some((later) => later.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        if (
          cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND &&
          completedLater
        ) {
          redone++;
          return;
        }
        failed.push(
          `${execution.workflowId} (${execution.type}): ${WorkflowTaskFailedCause[cause]} ${attributes?.failure?.message ?? ''}`,
        );
      });
    }
    return { failed, redone, workflows };
  }

  test('review: generated decide updates and signals are taken or refused with a reason', async () => {
    const model = 'fuzz-review';
    const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
    const ham = era1.filter((message) => message.label === 'ham').slice(0, 150);
    const spam = era1.filter((message) => message.label === 'spam').slice(0, 150);
    const champion = await registerModelFromCorpus(harness.deps, {
      model,
      examples: [...ham, ...spam].map(({ id, text, label, group }) => ({ id, text, label, group })),
      source: 'spamassassin:easy-ham-1,spam-1 (300)',
      champion: 'always',
      actor: 'test',
    });
    await captureTraffic(harness.deps, {
      model,
      versionId: champion.versionId,
      messages: era2().traffic.slice(0, 80),
      feedbackShare: 0,
      wrongFeedbackShare: 0,
      seed: 19,
    });
    // Quorum 2 and only alice among the generated allowed reviewers: votes count, but no item ever
    // settles, so the review stays open for every generated decision.
    const started = await harness.client.startCycle(model, {
      config: {
        mining: { labelBudget: 6, lowConfidenceThreshold: 0.99 },
        autoLabel: { rules: [] },
        review: { reviewers: ['alice', 'bob'], quorum: 2, reminderAfter: '2h', deadline: '3h' },
        training: { taskQueue: harness.trainingTaskQueue },
        rollout: { startAfterBlessing: false },
      },
    });
    const review: WorkflowHandle = harness.client.temporal.workflow.getHandle(
      reviewWorkflowId(started.workflowId),
    );
    let queue: ReviewQueueView | undefined;
    await expect
      .poll(
        async () => {
          queue = await review.query(reviewQueueQuery).catch(() => undefined);
          return queue?.state;
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBe('open');
    const refs = queue!.pending.flatMap((item) => [item.ref, item.id]);

    const reviewer = fc.oneof(
      fc.constant('alice'),
      fc.constantFrom('mallory', 'rule:auto', 'a,b', '', ' alice', 'x'.repeat(65)),
      oddString,
      anyValue,
    );
    const items = fc.oneof(
      fc.array(fc.constantFrom(...refs), { minLength: 1, maxLength: 4 }),
      fc.array(
        fc.oneof(
          fc.constantFrom(...refs).map((ref) => ref.slice(0, 4)),
          oddString,
        ),
        {
          maxLength: 4,
        },
      ),
      fc.constant(Array.from({ length: 501 }, () => refs[0]!)),
      anyValue,
    );
    const valid = fc.oneof(
      fc.record({
        action: fc.constantFrom('approve', 'reject'),
        reviewer: fc.constant('alice'),
        items: fc.array(fc.constantFrom(...refs), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        action: fc.constant('correct'),
        reviewer: fc.constant('alice'),
        items: fc.array(fc.constantFrom(...refs), { minLength: 1, maxLength: 3 }),
        label: fc.constantFrom('ham', 'spam'),
        note: fc.string({ unit: 'grapheme', maxLength: 40 }),
      }),
      fc.constant({ action: 'approve-all-remaining', reviewer: 'alice' }),
    );
    const decision = fc.oneof(
      valid,
      fc.record(
        {
          action: fc.oneof(
            fc.constantFrom('approve', 'correct', 'reject', 'approve-all-remaining'),
            anyValue,
          ),
          reviewer,
          items,
          label: fc.oneof(fc.constantFrom('ham', 'spam', 'eggs', 'HAM'), anyValue),
          note: fc.oneof(oddString, fc.constant('n'.repeat(501))),
          extra: anyValue,
        },
        { requiredKeys: [] },
      ),
      anyValue,
      fc.jsonValue(),
    );

    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(decision, async (d) => {
        try {
          const receipt = await review.executeUpdate(decideUpdate, { args: [d as never] });
          expect(receipt.changes.length).toBeGreaterThanOrEqual(0);
          accepted++;
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(WorkflowUpdateFailedError);
          expect((error as WorkflowUpdateFailedError).cause?.message ?? '').not.toBe('');
          refused++;
        }
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);

    const logBefore = (await review.query(decisionLogQuery)).length;
    const signal = fc.constantFrom(...REVIEW_SIGNALS.map(([, definition]) => definition));
    let signals = 0;
    await fc.assert(
      fc.asyncProperty(signal, decision, async (definition, payload) => {
        await review.signal(definition, payload as never);
        signals++;
      }),
      { numRuns: 300 },
    );
    // Every signal lands in the decision log, accepted or refused; each refusal says why.
    let log = await review.query(decisionLogQuery);
    await expect
      .poll(
        async () => {
          log = await review.query(decisionLogQuery);
          return log.length - logBefore;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(signals);
    for (const entry of log.filter((e) => e.outcome === 'refused')) {
      expect(entry.reason, JSON.stringify(entry)).toMatch(/\S/);
    }
    const view = await review.query(reviewQueueQuery);
    expect(view.state).toBe('open');

    await harness.client.cancelCycle(model, started.number);
  });

  test('cycle configs through startCycle: started, or refused with the field and the rule', async () => {
    const model = 'fuzz-cycle';
    const section = fc.constantFrom(
      'mining',
      'autoLabel',
      'review',
      'dataset',
      'training',
      'gate',
      'rollout',
      'activities',
      'nothing',
    );
    const field = fc.constantFrom(
      'labelBudget',
      'lowConfidenceThreshold',
      'reasons',
      'rules',
      'reviewers',
      'quorum',
      'deadline',
      'reminderAfter',
      'onDisagreement',
      'taskQueue',
      'params',
      'steps',
      'startAfterBlessing',
      'retry',
      'default',
      'thresholds',
    );
    const value = fc.oneof(
      anyValue,
      fc.constantFrom('1h', '0s', '-5m', '10 years', '1e9ms', 'P1D', 'never'),
      fc.array(fc.oneof(fc.constant('shadow'), fc.integer({ min: -5, max: 120 })), { maxLength: 5 }),
    );
    const config = fc.oneof(
      fc.dictionary(section, fc.dictionary(field, value, { maxKeys: 3 }), { maxKeys: 3 }),
      anyValue,
      fc.constant({}),
    );
    const outcomes = { started: 0, refused: 0 };
    const startedIds: string[] = [];
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        try {
          const started = await harness.client.startCycle(model, { config: c });
          startedIds.push(started.workflowId);
          outcomes.started++;
          // One at a time: cancel so the next valid config can start the next cycle.
          await harness.client.cancelCycle(model, started.number);
          await harness.client.temporal.workflow
            .getHandle(started.workflowId)
            .result()
            .catch(() => undefined);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(FlywheelError);
          expect((error as FlywheelError).message).toMatch(/\S/);
          outcomes.refused++;
        }
      }),
      { numRuns: 200 },
    );
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.started).toBeGreaterThan(0);
  });

  test('monitor policies through startMonitor and configure, and garbage pause/resume payloads', async () => {
    const model = 'fuzz-monitor';
    const field = fc.constantFrom(...Object.keys(MonitorPolicy.shape), 'unknown');
    const value = fc.oneof(
      anyValue,
      fc.constantFrom('15m', '1h', '0s', '-1h', '1000d', 'soon'),
      fc.double({ min: -2, max: 2 }),
      fc.integer({ min: -10, max: 1_000 }),
    );
    const policy = fc.oneof(fc.dictionary(field, value, { maxKeys: 4 }), fc.constant({}));
    const cycleConfig = fc.oneof(
      fc.constant({}),
      fc.constant(undefined),
      fc.dictionary(fc.constantFrom('mining', 'review', 'bogus'), anyValue, { maxKeys: 2 }),
    );
    // Far-apart checks: the monitor should hold still while it is being fuzzed.
    const quiet = { checkEvery: '1h', window: '1h', cooldown: '1h' };
    let started = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(policy, cycleConfig, async (p, c) => {
        try {
          await startMonitor(harness.client, model, {
            policy: { ...p, ...quiet },
            cycleConfig: c,
          });
          started++;
          await stopMonitor(harness.client, model);
          await harness.client.temporal.workflow
            .getHandle(`flywheel-monitor-${model}`)
            .result()
            .catch(() => undefined);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(FlywheelError);
          expect((error as FlywheelError).message).toMatch(/\S/);
          refused++;
        }
      }),
      { numRuns: 150 },
    );
    expect(started).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);

    await startMonitor(harness.client, model, { policy: quiet });
    let configured = 0;
    let configureRefused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(policy, anyValue), async (changes) => {
        try {
          // The quiet cadence stays whatever else changes.
          const merged =
            changes !== null && typeof changes === 'object' && !Array.isArray(changes)
              ? { ...changes, ...quiet }
              : changes;
          await configureMonitor(harness.client, model, merged as Record<string, unknown>);
          configured++;
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(FlywheelError);
          expect((error as FlywheelError).message).toMatch(/\S/);
          configureRefused++;
        }
      }),
      { numRuns: 150 },
    );
    expect(configured).toBeGreaterThan(0);
    expect(configureRefused).toBeGreaterThan(0);

    const request = fc.oneof(fc.record({ by: anyValue, reason: anyValue }, { requiredKeys: [] }), anyValue);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), request, async (pause, r) => {
        await (pause ? pauseMonitor : resumeMonitor)(harness.client, model, r as never);
      }),
      { numRuns: 100 },
    );
    // Still answering after all of it.
    const status = await harness.client.temporal.workflow
      .getHandle(`flywheel-monitor-${model}`)
      .query('status');
    expect(status).toMatchObject({ model });
    await stopMonitor(harness.client, model);
  });

  test('no workflow of the run has a failed workflow task, and none is left running', async () => {
    // Everything the run started was cancelled or stopped: each must get there (a poisoned one would not).
    await expect
      .poll(
        async () => {
          const running = harness.client.temporal.workflow.list({
            query: `TaskQueue = '${harness.taskQueue}' AND ExecutionStatus = 'Running'`,
          });
          const ids: string[] = [];
          for await (const execution of running) ids.push(execution.workflowId);
          return ids;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toEqual([]);
    const { failed, workflows } = await workflowTaskFailures();
    // The review's cycle, the started cycles and monitors: the check looked at real histories.
    expect(workflows).toBeGreaterThan(3);
    expect(failed).toEqual([]);
  });
});
