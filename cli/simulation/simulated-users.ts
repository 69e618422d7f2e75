import { mulberry32 } from '../../core/model/prng.ts';

/** A labelled message a simulated user sends; the true label lets the user notice mistakes. */
export interface LabelledMessage {
  id: string;
  text: string;
  label: string;
  group: string | null;
}

export interface TrafficPlan {
  gatewayUrl: string;
  model: string;
  messages: readonly LabelledMessage[];
  labels: readonly string[];
  /** Share of the mistakes users report (with the right label). */
  feedbackShare: number;
  /** Share of all feedback that is wrong: a right answer "corrected" to another label. */
  wrongFeedbackShare: number;
  /** Share of right answers users confirm ("correct"), so feedback is not only complaints. */
  confirmShare?: number;
  /** Distinct users (user keys) the messages come from; canary stickiness is per user. */
  users: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Pause between a user's requests, to spread traffic over a rollout's soak. */
  pauseMs?: number;
  signal?: AbortSignal;
  onResponse?: (outcome: TrafficOutcome) => void;
}

export interface TrafficOutcome {
  message: LabelledMessage;
  predictionId: string;
  served: string;
  variant: string;
  modelVersion: string;
  correct: boolean;
  feedback: 'right' | 'wrong' | null;
}

export interface TrafficStats {
  sent: number;
  correct: number;
  byVariant: Record<string, number>;
  /** Reports of mistakes (right or wrong); confirmations of right answers are counted apart. */
  feedback: number;
  wrongFeedback: number;
  confirmations: number;
  errors: number;
  lastError: string | null;
}

/**
 * Simulated users: each message goes through the real gateway as a prediction request; users report a
 * share of the mistakes with the right label, and a share of all feedback is wrong (a right answer
 * "corrected" to another label) — the noise a flywheel must survive.
 */
export async function sendTraffic(plan: TrafficPlan): Promise<TrafficStats> {
  const random = mulberry32(plan.seed);
  const stats: TrafficStats = {
    sent: 0,
    correct: 0,
    byVariant: {},
    feedback: 0,
    wrongFeedback: 0,
    confirmations: 0,
    errors: 0,
    lastError: null,
  };
  const recentCorrect: string[] = [];
  let next = 0;
  let feedbackSeq = 0;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${plan.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(plan.signal ? { signal: plan.signal } : {}),
    });
    const payload = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(payload.error ?? payload)}`);
    return payload;
  };
  const giveFeedback = async (predictionId: string, label: string | null, userKey: string) => {
    feedbackSeq += 1;
    await post(`/v1/predictions/${predictionId}/feedback`, {
      feedbackId: `${plan.seed}-${feedbackSeq}`,
      ...(label === null ? { kind: 'correct' } : { kind: 'label', label }),
      userKey,
    });
  };

  const lane = async () => {
    while (next < plan.messages.length && !plan.signal?.aborted) {
      const message = plan.messages[next++]!;
      const userKey = `user-${Math.floor(random() * plan.users)}`;
      try {
        const answer = await post(`/v1/models/${plan.model}/predict`, {
          text: message.text,
          userKey,
          ...(message.group ? { metadata: { group: message.group } } : {}),
        });
        const served = String(answer.label);
        const variant = String(answer.variant);
        const predictionId = String(answer.predictionId);
        const correct = served === message.label;
        stats.sent += 1;
        stats.byVariant[variant] = (stats.byVariant[variant] ?? 0) + 1;
        let feedback: TrafficOutcome['feedback'] = null;
        if (correct) {
          stats.correct += 1;
          if (random() < (plan.confirmShare ?? 0)) {
            await giveFeedback(predictionId, null, userKey);
            stats.confirmations += 1;
          } else {
            recentCorrect.push(predictionId);
            if (recentCorrect.length > 50) recentCorrect.shift();
          }
        } else if (random() < plan.feedbackShare) {
          const target = random() < plan.wrongFeedbackShare ? recentCorrect.pop() : undefined;
          if (target) {
            const other = plan.labels.find((label) => label !== message.label) ?? message.label;
            await giveFeedback(target, other, userKey);
            stats.wrongFeedback += 1;
            feedback = 'wrong';
          } else {
            await giveFeedback(predictionId, message.label, userKey);
            feedback = 'right';
          }
          stats.feedback += 1;
        }
        plan.onResponse?.({
          message,
          predictionId,
          served,
          variant,
          modelVersion: String(answer.modelVersion),
          correct,
          feedback,
        });
      } catch (error) {
        if (plan.signal?.aborted) break;
        stats.errors += 1;
        stats.lastError = (error as Error).message;
      }
      if (plan.pauseMs) await new Promise((resolve) => setTimeout(resolve, plan.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency ?? 4 }, lane));
  return stats;
}
