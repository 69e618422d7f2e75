import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps.ts';
import type { PredictionRecord } from '../../core/capture/records.ts';

/**
 * What gateways would capture while a model rolls out, written straight to the store: every `everyMs`,
 * one prediction of the champion, its candidate's shadow twin (same answer) and one canary prediction,
 * stamped now, as long as the flags name a candidate. The flags are read on every round (no cache), so
 * a step's traffic starts as soon as its flags are written; the analysis takes from these only what
 * the step's mode counts.
 */
export function captureRolloutTraffic(
  deps: Pick<ActivityDeps, 'store' | 'flags'>,
  model: string,
  options: { everyMs?: number } = {},
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const flags = await deps.flags.read(model);
      if (flags.candidateVersion && flags.championVersion && flags.mode !== 'off') {
        const at = Date.now();
        const served = prediction(model, flags.championVersion, 'champion', at, null);
        await deps.store.predictions.insertMany([
          served,
          prediction(model, flags.candidateVersion, 'shadow', at, served.id),
          prediction(model, flags.candidateVersion, 'canary', at, null),
        ]);
      }
      await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

function prediction(
  model: string,
  version: string,
  variant: PredictionRecord['variant'],
  at: number,
  servedPredictionId: string | null,
): PredictionRecord {
  return {
    id: randomUUID(),
    model,
    modelVersion: version,
    variant,
    text: 'Subject: rollout traffic',
    label: 'ham',
    confidence: 0.99,
    scores: { ham: 0.99, spam: 0.01 },
    userKey: 'traffic-user',
    servedPredictionId,
    latencyMs: 1,
    metadata: {},
    createdAt: at,
  };
}
