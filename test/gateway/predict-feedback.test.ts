import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpamAssassin } from '../../adapters/corpus/spamassassin.ts';
import { createGateway, type Gateway, startGateway } from '../../gateway/create-gateway.ts';
import { MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';
import { type Harness, MODEL, metricValue, startHarness, trafficTexts } from './gateway-harness.ts';

describe('gateway: predict and feedback over HTTP, captured in the embedded store', () => {
  let harness: Harness;
  const hamText = trafficTexts(1)[0]!;

  beforeAll(async () => {
    // A long flush interval: captured predictions stay in the buffer unless something flushes them.
    harness = await startHarness({ options: { capture: { flushIntervalMs: 60_000, batchSize: 10_000 } } });
  });
  afterAll(() => harness?.dispose());

  it('answers a prediction from the champion and captures it with its input', async () => {
    const { status, body } = await harness.post(`/v1/models/${MODEL}/predict`, {
      text: hamText,
      userKey: 'alice',
      metadata: { group: 'easy-ham-2' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ modelVersion: 'v1', variant: 'champion' });
    expect(['ham', 'spam']).toContain(body.label);
    expect(body.confidence).toBeCloseTo(body.scores[body.label], 12);
    expect(Object.keys(body).sort()).toEqual([
      'confidence',
      'label',
      'modelVersion',
      'predictionId',
      'scores',
      'variant',
    ]);

    await harness.gateway.capture.flush();
    const stored = await harness.store.predictions.get(body.predictionId);
    expect(stored).toMatchObject({
      id: body.predictionId,
      model: MODEL,
      modelVersion: 'v1',
      variant: 'champion',
      text: hamText,
      label: body.label,
      userKey: 'alice',
      servedPredictionId: null,
      metadata: { group: 'easy-ham-2' },
    });
  });

  it('classifies later mail it never saw well (a real trained model answers)', async () => {
    const mail = loadSpamAssassin({ groups: ['easy-ham-2', 'spam-2'] }).filter((_, i) => i % 28 === 0);
    let right = 0;
    for (const { text, label } of mail) {
      const { body } = await harness.post(`/v1/models/${MODEL}/predict`, {
        text: text.slice(0, MAX_TEXT_LENGTH),
      });
      if (body.label === label) right++;
    }
    expect(mail.length).toBeGreaterThan(90);
    expect(right / mail.length).toBeGreaterThan(0.8);
  });

  it('records feedback on a prediction still in the capture buffer, once per feedback id', async () => {
    const { body: prediction } = await harness.post(`/v1/models/${MODEL}/predict`, {
      text: hamText,
      userKey: 'bob',
    });
    expect(await harness.store.predictions.get(prediction.predictionId)).toBeNull(); // still in the buffer

    const feedback = { feedbackId: 'fb-1', kind: 'label', label: 'spam', userKey: 'bob' };
    const first = await harness.post(`/v1/predictions/${prediction.predictionId}/feedback`, feedback);
    expect(first).toEqual({ status: 201, body: { recorded: true } });
    const again = await harness.post(`/v1/predictions/${prediction.predictionId}/feedback`, feedback);
    expect(again).toEqual({ status: 200, body: { recorded: false, duplicate: true } });

    expect(await harness.store.predictions.get(prediction.predictionId)).not.toBeNull();
    expect(await harness.store.feedback.listForPredictions([prediction.predictionId])).toEqual([
      expect.objectContaining({
        id: 'fb-1',
        predictionId: prediction.predictionId,
        model: MODEL,
        kind: 'label',
        label: 'spam',
        userKey: 'bob',
      }),
    ]);
    const metrics = await harness.metrics();
    expect(metricValue(metrics, 'flywheel_gateway_feedback_total{kind="label",outcome="recorded"}')).toBe(1);
    expect(metricValue(metrics, 'flywheel_gateway_feedback_total{kind="label",outcome="duplicate"}')).toBe(1);
  });

  it('records correct/incorrect feedback without a label', async () => {
    const { body: prediction } = await harness.post(`/v1/models/${MODEL}/predict`, { text: hamText });
    const answer = await harness.post(`/v1/predictions/${prediction.predictionId}/feedback`, {
      feedbackId: 'fb-2',
      kind: 'incorrect',
    });
    expect(answer.status).toBe(201);
  });

  it('refuses a label outside the model label set, naming the labels', async () => {
    const { body: prediction } = await harness.post(`/v1/models/${MODEL}/predict`, { text: hamText });
    const answer = await harness.post(`/v1/predictions/${prediction.predictionId}/feedback`, {
      feedbackId: 'fb-3',
      kind: 'label',
      label: 'eggs',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'unknown_label', field: 'label', message: expect.stringContaining('"ham", "spam"') },
    });
  });

  it('answers 404 for feedback on an unknown prediction', async () => {
    const answer = await harness.post('/v1/predictions/no-such-prediction/feedback', {
      feedbackId: 'fb-4',
      kind: 'correct',
    });
    expect(answer).toEqual({
      status: 404,
      body: {
        error: {
          code: 'prediction_not_found',
          field: 'id',
          message: 'no prediction with id "no-such-prediction"',
        },
      },
    });
  });

  it('answers 404 for a model without a champion', async () => {
    const answer = await harness.post('/v1/models/nobody/predict', { text: 'hello' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'model_not_found', field: 'model' });
  });

  it('reports health and Prometheus metrics', async () => {
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'embedded' });

    const response = await fetch(`${harness.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(
      metricValue(
        text,
        'flywheel_gateway_requests_total{route="/v1/models/:model/predict",method="POST",status="200"}',
      ),
    ).toBeGreaterThanOrEqual(4);
    const fastest = metricValue(
      text,
      'flywheel_gateway_request_duration_seconds_bucket{le="0.001",route="/v1/models/:model/predict"}',
    );
    const all = metricValue(
      text,
      'flywheel_gateway_request_duration_seconds_bucket{le="+Inf",route="/v1/models/:model/predict"}',
    );
    expect(all).toBeGreaterThanOrEqual(4);
    expect(fastest).toBeLessThanOrEqual(all);
    expect(text).toContain('flywheel_gateway_request_duration_seconds_bucket{le="10",route=');
    // The process's own metrics, as every Node service exposes them.
    expect(metricValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(metricValue(text, 'flywheel_gateway_capture_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(metricValue(text, 'flywheel_gateway_capture_dropped_total{reason="queue_full"}')).toBe(0);
    expect(
      metricValue(text, 'flywheel_gateway_predictions_total{model="spam",variant="champion"}'),
    ).toBeGreaterThanOrEqual(4);
  });
});

describe('gateway replicas over one store: feedback reaches the replica that did not serve', () => {
  let served: Harness;
  let other: Gateway;
  let otherUrl: string;

  beforeAll(async () => {
    // The serving replica flushes its capture once a second; the other cannot flush it for it.
    served = await startHarness({ options: { capture: { flushIntervalMs: 1_000, batchSize: 10_000 } } });
    other = createGateway({
      store: served.store,
      artifacts: served.artifacts,
      flags: served.flags,
      logger: served.logger,
      // Generous: the serving replica's flush may be late on a loaded machine.
      options: { awaitPredictionMs: 60_000 },
    });
    otherUrl = await startGateway(other, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await other?.close();
    await served?.dispose();
  });

  it('records feedback sent to another replica while the prediction is still in the serving one buffer', async () => {
    const { body: prediction } = await served.post(`/v1/models/${MODEL}/predict`, {
      text: trafficTexts(1)[0]!,
      userKey: 'carol',
    });
    expect(await served.store.predictions.get(prediction.predictionId)).toBeNull(); // in the serving buffer
    const response = await fetch(`${otherUrl}/v1/predictions/${prediction.predictionId}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedbackId: 'fb-replica', kind: 'incorrect', userKey: 'carol' }),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 201,
      body: { recorded: true },
    });
    expect(await served.store.feedback.listForPredictions([prediction.predictionId])).toEqual([
      expect.objectContaining({ id: 'fb-replica', fromPredictionUser: true }),
    ]);
  });

  it('still answers 404 at once for an id that is not a recent prediction id', async () => {
    const response = await fetch(`${otherUrl}/v1/predictions/no-such-prediction/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'correct' }),
    });
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});
