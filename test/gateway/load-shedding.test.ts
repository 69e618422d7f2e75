import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifierFromArtifacts } from '../../gateway/classifier-loader.ts';
import {
  type Harness,
  MODEL,
  metricValue,
  slowPredictionWrites,
  startHarness,
  trafficTexts,
} from './gateway-harness.ts';

/**
 * Requests are held in flight deterministically: the champion's classifier loads only when the test
 * opens the gate, so every request that got past the bound waits, and nothing depends on timing.
 */
describe('gateway: load shedding at saturation', () => {
  const MAX_IN_FLIGHT = 4;
  let harness: Harness;
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const [text] = trafficTexts(1);

  beforeAll(async () => {
    harness = await startHarness({
      options: {
        // Off here: a loaded machine's event-loop delay must not add 503s to the exact counts below.
        loadShedding: { maxInFlight: MAX_IN_FLIGHT, maxEventLoopDelayMs: 0, retryAfterSeconds: 2 },
        loadClassifier: async (version) => {
          await gate;
          return classifierFromArtifacts(harness.artifacts)(version);
        },
      },
    });
  });
  afterAll(() => harness?.dispose());

  const predict = (signal?: AbortSignal) =>
    fetch(`${harness.url}/v1/models/${MODEL}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, userKey: 'u' }),
      ...(signal ? { signal } : {}),
    });

  async function inFlight(): Promise<number> {
    return metricValue(await harness.metrics(), 'flywheel_gateway_requests_in_flight');
  }

  async function untilInFlight(count: number): Promise<void> {
    // The held requests cannot finish before the gate opens: this waits for them to arrive, nothing more.
    while ((await inFlight()) !== count) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('refuses what is past the bound with 503 and Retry-After, answers the rest, captures what it served', async () => {
    // A caller that hangs up while held gives its place back.
    const hangUp = new AbortController();
    const abandoned = predict(hangUp.signal).catch((error: Error) => error.name);
    await untilInFlight(1);
    hangUp.abort();
    expect(await abandoned).toBe('AbortError');
    await untilInFlight(0);

    const sent = 50;
    const pending = Array.from({ length: sent }, () => predict());
    const shed: Response[] = [];
    // Exactly MAX_IN_FLIGHT requests are held; every other one is answered at once.
    await new Promise<void>((resolve) => {
      for (const request of pending) {
        request.then((response) => {
          if (response.status !== 503) return;
          shed.push(response);
          if (shed.length === sent - MAX_IN_FLIGHT) resolve();
        });
      }
    });
    expect(await inFlight()).toBe(MAX_IN_FLIGHT);
    for (const response of shed) {
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toEqual({
        error: {
          code: 'overloaded',
          message: `the gateway is answering ${MAX_IN_FLIGHT} requests already; retry after 2 s`,
        },
      });
    }

    // Health and metrics are never shed: an overloaded gateway is alive.
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    expect(metricValue(await harness.metrics(), 'flywheel_gateway_shed_total{reason="in_flight"}')).toBe(
      sent - MAX_IN_FLIGHT,
    );

    openGate();
    const answered = await Promise.all(pending);
    const served = answered.filter((response) => response.status === 200);
    expect(served).toHaveLength(MAX_IN_FLIGHT);
    expect(answered.filter((response) => response.status === 503)).toHaveLength(sent - MAX_IN_FLIGHT);

    // The bound is free again.
    const after = await predict();
    expect(after.status).toBe(200);
    const predictionIds = await Promise.all(
      [...served, after].map(
        async (response) => ((await response.json()) as { predictionId: string }).predictionId,
      ),
    );
    expect(await inFlight()).toBe(0);

    // Served = captured: every 200 is in the store (the abandoned request was served to no one, but
    // its prediction was made and captured too), and a shed request left nothing behind.
    await harness.gateway.capture.flush();
    for (const id of predictionIds) expect(await harness.store.predictions.get(id)).not.toBeNull();
    expect(await harness.store.predictions.count(MODEL)).toBe(predictionIds.length + 1);
    const metrics = await harness.metrics();
    expect(metricValue(metrics, 'flywheel_gateway_captured_total')).toBe(predictionIds.length + 1);
    expect(
      metricValue(
        metrics,
        'flywheel_gateway_requests_total{route="/v1/models/:model/predict",method="POST",status="503"}',
      ),
    ).toBe(sent - MAX_IN_FLIGHT);
  });
});

/**
 * The event-loop delay is injected: the test says how late the loop runs, so the gateway sheds exactly
 * when the test says so, whatever the machine's load.
 */
describe('gateway: load shedding on event-loop delay', () => {
  const MAX_DELAY_MS = 50;
  let harness: Harness;
  let delayMs = 0;
  const [text] = trafficTexts(1);

  beforeAll(async () => {
    harness = await startHarness({
      options: {
        loadShedding: {
          maxEventLoopDelayMs: MAX_DELAY_MS,
          retryAfterSeconds: 3,
          eventLoopDelay: { delayMs: () => delayMs, close: () => {} },
        },
      },
    });
  });
  afterAll(() => harness?.dispose());

  const predict = () =>
    fetch(`${harness.url}/v1/models/${MODEL}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, userKey: 'u' }),
    });

  it('refuses new predictions and feedback with 503 and Retry-After while the loop runs late, and serves again after', async () => {
    const before = await predict();
    expect(before.status).toBe(200);
    const { predictionId } = (await before.json()) as { predictionId: string };

    delayMs = MAX_DELAY_MS + 1;
    const shedPrediction = await predict();
    expect(shedPrediction.status).toBe(503);
    expect(shedPrediction.headers.get('retry-after')).toBe('3');
    expect(await shedPrediction.json()).toEqual({
      error: {
        code: 'overloaded',
        message: `the gateway is saturated (its event loop runs more than ${MAX_DELAY_MS} ms late); retry after 3 s`,
      },
    });
    const shedFeedback = await fetch(`${harness.url}/v1/predictions/${predictionId}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Refused before its body is read: its shape does not matter.
      body: JSON.stringify({ label: 'spam' }),
    });
    expect(shedFeedback.status).toBe(503);
    expect(shedFeedback.headers.get('retry-after')).toBe('3');

    // Health and metrics are never shed, and the metrics say why the gateway sheds.
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    const metrics = await harness.metrics();
    expect(metricValue(metrics, 'flywheel_gateway_shed_total{reason="event_loop_delay"}')).toBe(2);
    expect(metricValue(metrics, 'flywheel_gateway_shed_total{reason="in_flight"}')).toBe(0);
    expect(metricValue(metrics, 'flywheel_gateway_event_loop_delay_seconds')).toBe((MAX_DELAY_MS + 1) / 1000);

    // At the bound, not past it: served again, and only what was served is captured.
    delayMs = MAX_DELAY_MS;
    const after = await predict();
    expect(after.status).toBe(200);
    await harness.gateway.capture.flush();
    expect(await harness.store.predictions.count(MODEL)).toBe(2);
  });
});

/**
 * A store that keeps writing, but slower than the gateway serves: each prediction write takes 300 ms
 * more, capture holds at most 20. Past 90% of that the gateway refuses new predictions (not feedback),
 * so nothing it serves is dropped from capture: served = captured.
 */
describe('gateway: load shedding while capture falls behind a slow store', () => {
  let harness: Harness;
  const texts = trafficTexts(40);

  beforeAll(async () => {
    harness = await startHarness({
      wrapStore: slowPredictionWrites(300),
      options: {
        loadShedding: { maxEventLoopDelayMs: 0, retryAfterSeconds: 2 },
        capture: { maxQueued: 20, batchSize: 1 },
      },
    });
  });
  afterAll(() => harness?.dispose());

  const predict = (n: number) =>
    fetch(`${harness.url}/v1/models/${MODEL}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: texts[n % texts.length], userKey: `u${n}` }),
    });

  it('refuses predictions with 503 and Retry-After instead of dropping their capture; feedback still taken', async () => {
    // One write first, so that the store is seen taking writes (a store that takes none is waited out).
    const first = await predict(0);
    expect(first.status).toBe(200);
    const { predictionId } = (await first.json()) as { predictionId: string };
    await harness.gateway.capture.flush();

    const statuses: number[] = [];
    const refusals: Array<{ retryAfter: string | null; body: unknown }> = [];
    for (let n = 1; n <= 60; n++) {
      const response = await predict(n);
      statuses.push(response.status);
      if (response.status === 503) {
        refusals.push({ retryAfter: response.headers.get('retry-after'), body: await response.json() });
      } else await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    // 60 answers in far less than the 18 s their writes take: most are refused, none dropped.
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        retryAfter: '2',
        body: {
          error: {
            code: 'overloaded',
            message: 'the gateway serves faster than it can record its predictions; retry after 2 s',
          },
        },
      });
    }
    // Feedback adds nothing to capture: it is not refused for the backlog.
    const feedback = await fetch(`${harness.url}/v1/predictions/${predictionId}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'correct', userKey: 'u0' }),
    });
    expect(feedback.status).toBe(201);

    const metrics = await harness.metrics();
    expect(metricValue(metrics, 'flywheel_gateway_shed_total{reason="capture_backlog"}')).toBe(
      refusals.length,
    );
    expect(metricValue(metrics, 'flywheel_gateway_capture_dropped_total{reason="queue_full"}')).toBe(0);
    await harness.gateway.capture.flush();
    const served = statuses.filter((status) => status === 200).length + 1;
    expect(await harness.store.predictions.count(MODEL)).toBe(served);
  });
});
