import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ModelRegistry } from '../adapters/store/store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import { CaptureBuffer } from './capture-buffer.ts';
import { GatewayMetrics } from './metrics.ts';
import { ModelCache } from './model-cache.ts';
import { ShadowRunner } from './shadow-runner.ts';

const quiet = pino({ level: 'silent' });
const version = (id: string): ModelVersion => ({
  id,
  model: 'spam',
  artifactSha256: 'a'.repeat(64),
  datasetId: 'd',
  labels: ['ham', 'spam'],
  trainer: 't',
  params: {},
  metrics: {},
  blessedBy: null,
  createdAt: 0,
});
const registry = {
  get: async (id: string) => (id === 'missing' ? null : version(id)),
} as unknown as ModelRegistry;
const classifier = {
  predict: async () => ({ label: 'spam', confidence: 0.7, scores: { ham: 0.3, spam: 0.7 } }),
};
const input = { model: 'spam', text: 'buy now', userKey: 'u1', metadata: {} };

function setup(maxPending?: number) {
  const stored: PredictionRecord[] = [];
  const capture = new CaptureBuffer({ insertMany: async (rows) => void stored.push(...rows) }, quiet);
  const metrics = new GatewayMetrics(() => capture.stats());
  const models = new ModelCache(registry, async () => classifier);
  return { stored, capture, metrics, runner: new ShadowRunner(models, capture, metrics, quiet, maxPending) };
}

describe('ShadowRunner', () => {
  it('captures the candidate answer as a shadow of the served prediction', async () => {
    const { stored, capture, runner } = setup();
    runner.schedule('v2', input, 'served-1');
    await runner.settle();
    await capture.close();
    expect(stored).toEqual([
      expect.objectContaining({
        variant: 'shadow',
        modelVersion: 'v2',
        servedPredictionId: 'served-1',
        text: 'buy now',
      }),
    ]);
  });

  it('counts a candidate that cannot be loaded, and one skipped when too many are waiting', async () => {
    const { stored, capture, metrics, runner } = setup(2);
    runner.schedule('missing', input, 's1');
    runner.schedule('v2', input, 's2');
    runner.schedule('v2', input, 's3'); // two already waiting: skipped
    await runner.settle();
    await capture.close();
    expect(stored.map((r) => r.servedPredictionId)).toEqual(['s2']);
    const text = await metrics.render();
    expect(text).toContain('flywheel_gateway_shadow_skipped_total{model="spam",reason="failed"} 1');
    expect(text).toContain('flywheel_gateway_shadow_skipped_total{model="spam",reason="overloaded"} 1');
  });
});
