import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openFileArtifactStore } from '../../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedStore } from '../../adapters/store/embedded/embedded-store.ts';
import { parseRedactionPolicy } from '../../core/privacy/redaction-policy.ts';
import { type RunningGateway, runGateway } from '../../gateway/run-gateway.ts';
import { MODEL, registerChampion } from './gateway-harness.ts';

let dataDir: string;
let gateway: RunningGateway;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-redaction-'));
  const store = openEmbeddedStore(join(dataDir, 'flywheel.db'));
  await registerChampion(store, openFileArtifactStore(dataDir));
  await store.close();
  gateway = await runGateway({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
    capture: { redaction: parseRedactionPolicy({ redact: 'all' }), flushIntervalMs: 10 },
  });
});

afterAll(async () => {
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function predict(text: string): Promise<{ predictionId: string; scores: Record<string, number> }> {
  const response = await fetch(`${gateway.address}/v1/models/${MODEL}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { predictionId: string; scores: Record<string, number> };
}

test('the model answers on the original text; the store (and all that reads it) holds only the redacted one', async () => {
  const original =
    'FREE money!!! write to winner.claims@lottery-prize.com or call +44 20 7946 0958, ' +
    'send your card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00 from 192.168.10.20 now';
  const redacted =
    'FREE money!!! write to [email] or call [phone], send your card [card] and IBAN [iban] from [ip] now';
  const served = await predict(original);
  const servedRedacted = await predict(redacted);
  // Different inputs give different scores: the first answer came from the original text.
  expect(served.scores).not.toEqual(servedRedacted.scores);
  await gateway.close();

  const store = openEmbeddedStore(join(dataDir, 'flywheel.db'));
  try {
    const stored = await store.predictions.get(served.predictionId);
    expect(stored?.text).toBe(redacted);
    const all = await store.predictions.listAfter(MODEL, 0, 100);
    for (const row of all) {
      expect(row.text).not.toContain('lottery-prize.com');
      expect(row.text).not.toContain('4111');
    }
  } finally {
    await store.close();
  }
});
