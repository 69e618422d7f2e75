import { expect, test } from 'vitest';
import type { PredictionRepository } from '../adapters/store/store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import { TextRedaction, WITHHELD_TEXT } from '../core/privacy/redaction-policy.ts';
import { type RedactionCounts, redactingPredictions } from './redacting-predictions.ts';

function recordingRepository(): PredictionRepository & { written: PredictionRecord[] } {
  const written: PredictionRecord[] = [];
  return {
    written,
    insertMany: async (rows) => {
      written.push(...rows);
    },
    get: async () => null,
    getMany: async () => [],
    shadowsOf: async () => [],
    listAfter: async () => [],
    listBetween: async () => [],
    count: async () => written.length,
    stepWindow: async () => {
      throw new Error('redaction never reads step figures');
    },
    servedWindow: async () => {
      throw new Error('redaction never reads monitor windows');
    },
  };
}

const row = (id: string, text: string): PredictionRecord => ({
  id,
  model: 'spam',
  modelVersion: 'v1',
  variant: 'champion',
  text,
  label: 'spam',
  confidence: 0.9,
  scores: { spam: 0.9, ham: 0.1 },
  userKey: null,
  servedPredictionId: null,
  latencyMs: 1,
  metadata: {},
  createdAt: 0,
});

const failing = {
  name: 'fragile',
  redact: (text: string) => {
    if (text.includes('boom')) throw new Error('fragile redactor failed');
    return { text, found: 0 };
  },
};

test('a failing redactor withholds the text by default and counts it; the raw text is never written', async () => {
  const repo = recordingRepository();
  const counts: RedactionCounts = { redactedTexts: 0, withheld: 0, dropped: 0 };
  const redaction = new TextRedaction({ defaults: ['email', 'fragile'], models: {}, onFailure: 'withhold' }, [
    failing,
  ]);
  await redactingPredictions(repo, redaction, counts).insertMany([
    row('a', 'mail me: a@b.org'),
    row('b', 'boom secret@example.com'),
  ]);
  expect(repo.written.map((r) => r.text)).toEqual(['mail me: [email]', WITHHELD_TEXT]);
  expect(counts).toEqual({ redactedTexts: 1, withheld: 1, dropped: 0 });
});

test('with onFailure drop, the prediction is left out and counted', async () => {
  const repo = recordingRepository();
  const counts: RedactionCounts = { redactedTexts: 0, withheld: 0, dropped: 0 };
  const redaction = new TextRedaction({ defaults: ['fragile'], models: {}, onFailure: 'drop' }, [failing]);
  await redactingPredictions(repo, redaction, counts).insertMany([row('a', 'fine'), row('b', 'boom')]);
  expect(repo.written.map((r) => r.id)).toEqual(['a']);
  expect(counts.dropped).toBe(1);
});

test('with no redactor configured, the repository is passed through untouched', () => {
  const repo = recordingRepository();
  expect(
    redactingPredictions(repo, new TextRedaction({ defaults: [], models: {}, onFailure: 'withhold' })),
  ).toBe(repo);
});
