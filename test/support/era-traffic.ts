import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../../activities/deps.ts';
import { registerModelFromCorpus } from '../../activities/training/register-first-model.ts';
import { type CorpusMessage, loadSpamAssassin } from '../../adapters/corpus/spamassassin.ts';
import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { splitSide } from '../../core/datasets/split.ts';
import { deserializeClassifier } from '../../core/model/artifact.ts';
import { mulberry32 } from '../../core/model/prng.ts';

/** Era 2 (collected later: the drift), split by content hash into production traffic and a holdout. */
export function era2(): { traffic: CorpusMessage[]; holdout: CorpusMessage[] } {
  const messages = loadSpamAssassin({ groups: ['easy-ham-2', 'hard-ham-1', 'spam-2'] });
  const traffic: CorpusMessage[] = [];
  const holdout: CorpusMessage[] = [];
  for (const message of messages) {
    (splitSide(message.id, { seed: 99, holdoutFraction: 0.3 }) === 'holdout' ? holdout : traffic).push(
      message,
    );
  }
  return { traffic, holdout };
}

/** Trains the era-1 champion (spam-1 + easy-ham-1) for a model. */
export async function era1Champion(deps: ActivityDeps, model: string) {
  const examples = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] }).map((message) => ({
    id: message.id,
    text: message.text,
    label: message.label,
    group: message.group,
  }));
  return registerModelFromCorpus(deps, {
    model,
    examples,
    source: 'spamassassin:easy-ham-1,spam-1',
    champion: 'always',
    actor: 'test',
  });
}

/**
 * Serves messages with a registered model and captures what a gateway would: one prediction each,
 * and from users feedback on a share of the mistakes (an explicit label), a share of it wrong.
 */
export async function captureTraffic(
  deps: ActivityDeps,
  options: {
    model: string;
    versionId: string;
    messages: readonly CorpusMessage[];
    feedbackShare: number;
    wrongFeedbackShare: number;
    /** Share of correct answers a malicious user "corrects" to the other label. */
    flipCorrectShare?: number;
    seed: number;
  },
): Promise<{ predictions: number; feedback: number; mistakes: number }> {
  const version = await deps.store.models.get(options.versionId);
  if (!version) throw new Error(`no version ${options.versionId}`);
  const classifier = deserializeClassifier(await deps.artifacts.get(version.artifactSha256));
  const random = mulberry32(options.seed);
  const predictions: PredictionRecord[] = [];
  const feedback: FeedbackRecord[] = [];
  let mistakes = 0;
  let at = Date.now();
  for (const message of options.messages) {
    const answer = classifier.predict(message.text);
    const prediction: PredictionRecord = {
      id: randomUUID(),
      model: options.model,
      modelVersion: options.versionId,
      variant: 'champion',
      text: message.text,
      label: answer.label,
      confidence: answer.confidence,
      scores: answer.scores,
      userKey: `user-${Math.floor(random() * 500)}`,
      servedPredictionId: null,
      latencyMs: 1,
      metadata: { group: message.group },
      createdAt: at++,
    };
    predictions.push(prediction);
    const wrong = answer.label !== message.label;
    if (wrong) mistakes += 1;
    if (!wrong && random() < (options.flipCorrectShare ?? 0)) {
      feedback.push({
        id: randomUUID(),
        predictionId: prediction.id,
        model: options.model,
        kind: 'label',
        label: version.labels.find((label) => label !== answer.label) ?? answer.label,
        userKey: prediction.userKey,
        fromPredictionUser: true,
        createdAt: at++,
      });
    }
    if (wrong && random() < options.feedbackShare) {
      const lies = random() < options.wrongFeedbackShare;
      feedback.push({
        id: randomUUID(),
        predictionId: prediction.id,
        model: options.model,
        kind: 'label',
        label: lies ? answer.label : message.label,
        userKey: prediction.userKey,
        fromPredictionUser: true,
        createdAt: at++,
      });
    }
  }
  await deps.store.predictions.insertMany(predictions);
  await deps.store.feedback.insertMany(feedback);
  return { predictions: predictions.length, feedback: feedback.length, mistakes };
}

/** Accuracy of a registered version on labelled messages. */
export async function accuracyOf(deps: ActivityDeps, versionId: string, messages: readonly CorpusMessage[]) {
  const version = await deps.store.models.get(versionId);
  if (!version) throw new Error(`no version ${versionId}`);
  const classifier = deserializeClassifier(await deps.artifacts.get(version.artifactSha256));
  const right = messages.filter((message) => classifier.predict(message.text).label === message.label).length;
  return right / messages.length;
}

/**
 * The common starting point of a cycle test: an era-1 champion that has served all era-2 traffic, with
 * users reporting half of its mistakes (5% of that feedback wrong).
 */
export async function driftedChampion(deps: ActivityDeps, model: string, seed: number) {
  const champion = await era1Champion(deps, model);
  const captured = await captureTraffic(deps, {
    model,
    versionId: champion.versionId,
    messages: era2().traffic,
    feedbackShare: 0.5,
    wrongFeedbackShare: 0.05,
    seed,
  });
  return { champion, captured };
}
