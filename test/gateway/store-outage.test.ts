import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { openFileArtifactStore } from '../../adapters/artifacts/file-artifact-store.ts';
import { openStore } from '../../adapters/store/open-store.ts';
import { connectPool } from '../../adapters/store/postgres/pool.ts';
import type { FlywheelStore } from '../../adapters/store/store.ts';
import { type RunningGateway, runGateway } from '../../gateway/run-gateway.ts';
import { capturingLogger } from '../support/capturing-logger.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/postgres.ts';
import { MODEL, registerChampion, trafficTexts } from './gateway-harness.ts';

/**
 * The gateway over a real PostgreSQL that is stopped while it serves: predictions keep being answered
 * 200, their capture waits in its bounded queue (nothing dropped, nothing lost) and is written once the
 * server is back; feedback, written before it is answered, is refused with 503 and Retry-After meanwhile.
 */
let pg: ThrowawayPostgres;
let store: FlywheelStore;
let gateway: RunningGateway;
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-store-outage-'));
const { log, lines } = capturingLogger();

beforeAll(async () => {
  pg = await startThrowawayPostgres();
  store = await openStore({ dataDir, databaseUrl: pg.url });
  await registerChampion(store, openFileArtifactStore(dataDir));
  gateway = await runGateway({
    dataDir,
    databaseUrl: pg.url,
    port: 0,
    host: '127.0.0.1',
    logger: log,
    warnWhenOpen: false,
    // This test's own work runs on the gateway's event loop: shedding on its delay would refuse requests
    // for what the test does, so only the in-flight bound applies.
    options: { loadShedding: { maxEventLoopDelayMs: 0 } },
  });
});

afterAll(async () => {
  await gateway?.close();
  await store?.close();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const texts = trafficTexts(60);

async function predictMany(from: number, count: number): Promise<Array<{ status: number; id: string }>> {
  const answers = [];
  for (let n = from; n < from + count; n++) {
    const response = await fetch(`${gateway.address}/v1/models/${MODEL}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: texts[n % texts.length], userKey: `user-${n}` }),
    });
    const body = (await response.json()) as { predictionId?: string };
    answers.push({ status: response.status, id: body.predictionId ?? '' });
  }
  return answers;
}

const feedback = (predictionId: string) =>
  fetch(`${gateway.address}/v1/predictions/${predictionId}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ feedbackId: `fb-${predictionId}`, kind: 'correct', userKey: 'user-0' }),
  });

const captureQueued = async () =>
  ((await (await fetch(`${gateway.address}/healthz`)).json()) as { captureQueued: number }).captureQueued;

async function dropped(): Promise<number> {
  const text = await (await fetch(`${gateway.address}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('flywheel_gateway_capture_dropped_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

test('PostgreSQL stopped under traffic: predictions served and held, written once it is back; feedback asked to retry', async () => {
  const before = await predictMany(0, 20);
  expect(before.map((a) => a.status)).toEqual(before.map(() => 200));
  // A hang guard, not a speed bound: the writer thread writes at idle priority.
  await vi.waitFor(async () => expect(await captureQueued()).toBe(0), { timeout: 60_000 });

  await pg.interrupt();
  const during = await predictMany(20, 150);
  expect(during.filter((a) => a.status !== 200)).toEqual([]);
  // None of them can be written while the server is down: all are held, none dropped.
  expect(await captureQueued()).toBe(150);
  expect(await dropped()).toBe(0);
  const refused = await feedback(before[0]!.id);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await refused.json()).toEqual({
    error: { code: 'store_unavailable', message: expect.stringContaining('Retry-After') },
  });
  expect(lines).toContainEqual(
    expect.objectContaining({
      msg: 'capture: the store is unreachable; holding predictions until it answers',
    }),
  );

  await pg.resume();
  await vi.waitFor(async () => expect(await captureQueued()).toBe(0), { timeout: 60_000 });
  expect(await dropped()).toBe(0);
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: expect.stringContaining('capture: the store answers again after') }),
  );
  // The same feedback, sent again as asked, is recorded.
  expect((await feedback(before[0]!.id)).status).toBe(201);
  for (const { id } of [...before, ...during]) expect(await store.predictions.get(id), id).not.toBeNull();
  expect(await store.predictions.count(MODEL)).toBe(170);
  expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
});

test('a connection checked out of the pool when the server stops fails its next call; the process goes on', async () => {
  const pool = await connectPool(pg.url);
  const client = await pool.connect();
  const ended = new Promise((resolve) => client.once('end', resolve));
  await pg.interrupt();
  try {
    // pg emits 'error' on the client as its connection ends: without a listener that error is thrown
    // out of the event loop, and a capture writer thread or a worker dies of it.
    await ended;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
  } finally {
    await pg.resume();
  }
  const again = await pool.connect();
  expect((await again.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  again.release();
  await pool.end();
});

test('FLYWHEEL_GATEWAY_CAPTURE_QUEUE bounds what an outage holds: the rest is dropped and counted, the held part written', async () => {
  vi.stubEnv('FLYWHEEL_GATEWAY_CAPTURE_QUEUE', '100');
  const small = await runGateway({
    dataDir,
    databaseUrl: pg.url,
    port: 0,
    host: '127.0.0.1',
    logger: log,
    warnWhenOpen: false,
    options: { loadShedding: { maxEventLoopDelayMs: 0 } },
  }).finally(() => vi.unstubAllEnvs());
  try {
    const predict = (n: number) =>
      fetch(`${small.address}/v1/models/${MODEL}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: texts[n % texts.length], userKey: `user-${n}` }),
      });
    const held = async () =>
      ((await (await fetch(`${small.address}/healthz`)).json()) as { captureQueued: number }).captureQueued;
    // One answer before the outage: the replica loads its champion from the store it is about to lose.
    expect((await predict(0)).status).toBe(200);
    await vi.waitFor(async () => expect(await held()).toBe(0), { timeout: 60_000 });
    const stored = await store.predictions.count(MODEL);
    await pg.interrupt();
    const answers: number[] = [];
    try {
      // The first prediction's write finds the store gone: from then on a full queue is an outage to
      // serve through (held, the rest dropped), not a slow store to shed for.
      expect((await predict(0)).status).toBe(200);
      await vi.waitFor(
        async () =>
          expect(
            ((await (await fetch(`${small.address}/healthz`)).json()) as { captureStoreAway: boolean })
              .captureStoreAway,
          ).toBe(true),
        { timeout: 30_000 },
      );
      for (let n = 1; n < 150; n++) {
        const response = await predict(n);
        answers.push(response.status);
        await response.arrayBuffer();
      }
    } finally {
      await pg.resume();
    }
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    const metrics = await (await fetch(`${small.address}/metrics`)).text();
    expect(metrics).toContain('flywheel_gateway_capture_dropped_total{reason="queue_full"} 50');
    await vi.waitFor(async () => expect(await held()).toBe(0), { timeout: 60_000 });
    expect(await store.predictions.count(MODEL)).toBe(stored + 100);
  } finally {
    await small.close();
  }
});
