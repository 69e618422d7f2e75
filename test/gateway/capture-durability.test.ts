import { afterEach, describe, expect, it } from 'vitest';
import type { FlywheelStore, PredictionRepository } from '../../adapters/store/store.ts';
import {
  type Harness,
  MODEL,
  metricValue,
  slowPredictionWrites,
  startHarness,
  trafficTexts,
} from './gateway-harness.ts';

/** The real store, with prediction writes held until `release` is called: a store that is away. */
function heldPredictions() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const wrap = (store: FlywheelStore): FlywheelStore => {
    const predictions: PredictionRepository = Object.create(store.predictions);
    predictions.insertMany = async (rows) => {
      await released;
      return store.predictions.insertMany(rows);
    };
    return Object.assign(Object.create(store), { predictions });
  };
  return { wrap, release: () => release() };
}

describe('gateway: capture off the request path', () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.dispose());
  const texts = trafficTexts(20);

  it('writes every served prediction to the store when the gateway shuts down', async () => {
    harness = await startHarness({ options: { capture: { flushIntervalMs: 60_000, batchSize: 1_000 } } });
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const { status, body } = await harness.post(`/v1/models/${MODEL}/predict`, {
        text: texts[i % texts.length],
      });
      expect(status).toBe(200);
      ids.push(body.predictionId);
    }
    expect(await harness.store.predictions.count(MODEL)).toBe(0); // still buffered: nothing flushed it yet
    await harness.closeGateway();
    expect(await harness.store.predictions.count(MODEL)).toBe(150);
    for (const id of ids) expect(await harness.store.predictions.get(id)).not.toBeNull();
    expect(harness.gateway.capture.stats()).toEqual({
      queued: 0,
      maxQueued: 20_000,
      storeAway: false,
      captured: 150,
      dropped: { queue_full: 0, store_error: 0, closed: 0 },
    });
  });

  it('answers at once with a slow store: served or shed, and what was served is captured or counted as dropped', async () => {
    harness = await startHarness({
      wrapStore: slowPredictionWrites(200),
      options: { capture: { maxQueued: 10, batchSize: 5, flushIntervalMs: 20 } },
    });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        harness!.post(`/v1/models/${MODEL}/predict`, { text: texts[i % texts.length] }),
      ),
    );
    const elapsedMs = performance.now() - started;
    // Served, or refused because capture is behind (503 capture_backlog): never anything else.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    // 100 answers in far less than the 4 s that 20 sequential 200 ms writes would take.
    expect(elapsedMs).toBeLessThan(2_000);

    const metrics = await harness.metrics();
    const served = answers.filter((a) => a.status === 200).length;
    expect(metricValue(metrics, 'flywheel_gateway_shed_total{reason="capture_backlog"}')).toBe(100 - served);
    const dropped = metricValue(metrics, 'flywheel_gateway_capture_dropped_total{reason="queue_full"}');

    await harness.closeGateway();
    const stats = harness.gateway.capture.stats();
    expect(stats.dropped.queue_full).toBe(dropped);
    expect(stats.captured + stats.dropped.queue_full).toBe(served);
    expect(await harness.store.predictions.count(MODEL)).toBe(stats.captured);
  });

  it('asks feedback to come back (503, Retry-After) while its prediction is held in capture, then records it', async () => {
    const held = heldPredictions();
    harness = await startHarness({ wrapStore: held.wrap, options: { capture: { flushIntervalMs: 20 } } });
    const { body } = await harness.post(`/v1/models/${MODEL}/predict`, { text: texts[0], userKey: 'u1' });
    const send = () =>
      fetch(`${harness!.url}/v1/predictions/${body.predictionId}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ feedbackId: 'fb-held', kind: 'correct', userKey: 'u1' }),
      });
    // The capture write cannot finish: the request is answered after a bounded wait, not held with it.
    const refused = await send();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('prediction_pending');
    held.release();
    expect((await send()).status).toBe(201);
  });
});
