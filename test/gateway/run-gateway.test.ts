import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileArtifactStore } from '../../adapters/artifacts/file-artifact-store.ts';
import { openStore } from '../../adapters/store/open-store.ts';
import { runGateway } from '../../gateway/run-gateway.ts';
import { MODEL, registerVersion } from './gateway-harness.ts';

describe('runGateway: the gateway as `flywheel gateway` runs it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-run-gateway-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the champion of a data folder and leaves every prediction in its store on close', async () => {
    const setup = await openStore({ dataDir });
    await registerVersion(setup, openFileArtifactStore(dataDir), 'v1', 1);
    await setup.models.moveAlias({
      model: MODEL,
      alias: 'champion',
      versionId: 'v1',
      reason: 'test',
      actor: 'test',
      at: 0,
    });
    await setup.close();

    const running = await runGateway({
      dataDir,
      port: 0,
      host: '127.0.0.1',

      logger: pino({ level: 'silent' }),
      capture: { flushIntervalMs: 60_000 },
    });
    expect(running.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${running.address}/v1/models/${MODEL}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `Subject: meeting ${i}\n\nsee you at noon` }),
      });
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { predictionId: string }).predictionId);
    }
    // Feedback on a prediction still on its way to the store (a partial batch waits 60 s here) flushes
    // the capture writer thread first, then is recorded.
    const feedback = await fetch(`${running.address}/v1/predictions/${ids[4]}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedbackId: 'fb-1', kind: 'incorrect' }),
    });
    expect(feedback.status).toBe(201);
    const unknown = await fetch(`${running.address}/v1/predictions/no-such-id/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedbackId: 'fb-2', kind: 'correct' }),
    });
    expect(unknown.status).toBe(404);
    await running.close();
    await running.close(); // a second close is harmless
    await expect(fetch(`${running.address}/healthz`)).rejects.toThrow();

    const store = await openStore({ dataDir });
    try {
      for (const id of ids) expect(await store.predictions.get(id)).toMatchObject({ id, modelVersion: 'v1' });
      expect(await store.feedback.listForPredictions([ids[4]!])).toMatchObject([{ id: 'fb-1' }]);
    } finally {
      await store.close();
    }
  });

  it('says so when the port is taken', async () => {
    const first = await runGateway({
      dataDir,
      port: 0,
      host: '127.0.0.1',

      logger: pino({ level: 'silent' }),
    });
    const port = Number(new URL(first.address).port);
    try {
      await expect(
        runGateway({
          dataDir,
          port,
          host: '127.0.0.1',

          logger: pino({ level: 'silent' }),
        }),
      ).rejects.toThrow(`the gateway cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await first.close();
    }
  });
});
