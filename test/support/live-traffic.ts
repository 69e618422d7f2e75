import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps.ts';
import type { CorpusMessage } from '../../adapters/corpus/spamassassin.ts';
import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { deserializeClassifier } from '../../core/model/artifact.ts';
import { mulberry32 } from '../../core/model/prng.ts';

/** A corpus message with the answer a model version gave it (classified once, served many times). */
export interface ServedMessage {
  message: CorpusMessage;
  label: string;
  confidence: number;
  scores: Record<string, number>;
}

export async function serveCorpus(
  deps: ActivityDeps,
  versionId: string,
  messages: readonly CorpusMessage[],
): Promise<ServedMessage[]> {
  const version = await deps.store.models.get(versionId);
  if (!version) throw new Error(`no version ${versionId}`);
  const classifier = deserializeClassifier(await deps.artifacts.get(version.artifactSha256));
  return messages.map((message) => ({ message, ...classifier.predict(message.text) }));
}

export interface LiveTraffic {
  /** Serves messages drawn from this pool from now on. */
  use(pool: readonly ServedMessage[]): void;
  /** Predictions captured so far. */
  readonly captured: number;
  stop(): Promise<void>;
}

/**
 * Production traffic in real time, captured as the gateway captures it: every `tickMs` it serves
 * `perTick` messages drawn at random from the current pool (created now, by the champion), and users
 * rate some of them — a share of the right answers as correct, a share of the mistakes with the true
 * label. Drift is switching the pool.
 */
export function liveTraffic(
  deps: ActivityDeps,
  options: {
    model: string;
    versionId: string;
    pool: readonly ServedMessage[];
    tickMs: number;
    perTick: number;
    /** Share of right answers users confirm, and of wrong ones they correct. */
    confirmShare: number;
    correctShare: number;
    seed: number;
  },
): LiveTraffic {
  const random = mulberry32(options.seed);
  let pool = options.pool;
  let captured = 0;
  let running = true;
  const tick = async () => {
    const predictions: PredictionRecord[] = [];
    const feedback: FeedbackRecord[] = [];
    const now = Date.now();
    for (let i = 0; i < options.perTick; i++) {
      const served = pool[Math.floor(random() * pool.length)]!;
      const prediction: PredictionRecord = {
        id: randomUUID(),
        model: options.model,
        modelVersion: options.versionId,
        variant: 'champion',
        text: served.message.text,
        label: served.label,
        confidence: served.confidence,
        scores: served.scores,
        userKey: `user-${Math.floor(random() * 500)}`,
        servedPredictionId: null,
        latencyMs: 1,
        metadata: { group: served.message.group },
        createdAt: now,
      };
      predictions.push(prediction);
      const right = served.label === served.message.label;
      if (random() < (right ? options.confirmShare : options.correctShare)) {
        feedback.push({
          id: randomUUID(),
          predictionId: prediction.id,
          model: options.model,
          kind: right ? 'correct' : 'label',
          label: right ? null : served.message.label,
          userKey: prediction.userKey,
          fromPredictionUser: true,
          createdAt: now,
        });
      }
    }
    await deps.store.predictions.insertMany(predictions);
    await deps.store.feedback.insertMany(feedback);
    captured += predictions.length;
  };
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        await tick();
      } catch {
        // The store closed under a test that failed before stopping its traffic: stop serving.
        running = false;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, options.tickMs - (Date.now() - started))),
      );
    }
  })();
  return {
    use(next) {
      pool = next;
    },
    get captured() {
      return captured;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
