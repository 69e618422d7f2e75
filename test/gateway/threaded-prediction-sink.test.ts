import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/store/open-store.ts';
import type { PredictionRecord } from '../../core/capture/records.ts';
import { ThreadedPredictionSink } from '../../gateway/threaded-prediction-sink.ts';

const row = (id: string): PredictionRecord => ({
  id,
  model: 'spam',
  modelVersion: 'v1',
  variant: 'champion',
  text: `text of ${id}`,
  label: 'ham',
  confidence: 0.8,
  scores: { ham: 0.8, spam: 0.2 },
  userKey: null,
  servedPredictionId: null,
  latencyMs: 0.4,
  metadata: {},
  createdAt: Date.now(),
});

describe('ThreadedPredictionSink: capture writes from a worker thread', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-threaded-sink-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes batches through its own store connection, visible to the gateway’s connection', async () => {
    const store = await openStore({ dataDir });
    const sink = new ThreadedPredictionSink({ dataDir }, pino({ level: 'silent' }));
    try {
      await sink.insertMany([row('a'), row('b')]);
      await sink.insertMany([row('b'), row('c')]); // a retried row is skipped, as insertMany promises
      expect(await store.predictions.count('spam')).toBe(3);
      expect(await store.predictions.get('c')).toMatchObject({ id: 'c', text: 'text of c' });
    } finally {
      await sink.close();
      await store.close();
    }
    await expect(sink.insertMany([row('d')])).rejects.toThrow('closed');
  });

  it('fails a batch with the store’s reason when the thread cannot open the store, and logs it', async () => {
    const lines: string[] = [];
    const log = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const sink = new ThreadedPredictionSink({ dataDir, databaseUrl: 'mysql://nowhere/db' }, log);
    await expect(sink.insertMany([row('x')])).rejects.toThrow(/FLYWHEEL_DATABASE_URL/);
    // The dead thread is replaced for the next batch (which fails again here, for the same reason).
    await expect(sink.insertMany([row('y')])).rejects.toThrow(/FLYWHEEL_DATABASE_URL/);
    expect(lines.filter((l) => l.includes('capture writer thread failed'))).toHaveLength(2);
    await sink.close();
  });
});
