import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifierFromArtifacts } from '../../gateway/classifier-loader.ts';
import { type Harness, MODEL, metricValue, startHarness, trafficTexts } from './gateway-harness.ts';

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
        loadShedding: { maxInFlight: MAX_IN_FLIGHT, retryAfterSeconds: 2 },
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
    expect(metricValue(await harness.metrics(), 'flywheel_gateway_shed_total')).toBe(sent - MAX_IN_FLIGHT);

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
