import type { FeedbackRecord, PredictionRecord } from '../capture/records.ts';
import { contentHash } from '../hashing/content-hash.ts';
import { feedback, prediction } from './test-records.ts';

const TOPICS = ['watches', 'loans', 'meeting', 'invoice', 'holiday', 'printer', 'lottery', 'newsletter'];

/** A capture like the gateway's: served rows, shadow twins right after some, feedback on a share. */
export interface Capture {
  rows: PredictionRecord[];
  feedback: FeedbackRecord[];
  oovRates: Record<string, number>;
  knownItemIds: string[];
}

/** Deterministic for a seed: exact repeats, near duplicates, noise, shadow twins, all kinds of feedback. */
export function generatedCapture(seed: number, size: number): Capture {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const rows: PredictionRecord[] = [];
  const fb: FeedbackRecord[] = [];
  const oovRates: Record<string, number> = {};
  const knownItemIds: string[] = [];
  for (let i = 0; i < size; i++) {
    const id = `p${i}`;
    const topic = pick(TOPICS);
    const roll = random();
    // Exact repeats, small edits (near duplicates), too-short texts and distinct texts.
    const text =
      roll < 0.15
        ? `the same ${topic} offer, again and again, act now`
        : roll < 0.3
          ? `hello friend, we have a great deal for you today, reply to this mail before the end of the week to get the best price ever seen on the market for ${topic} number ${i % 4}`
          : roll < 0.35
            ? 'hi'
            : `message ${i} on ${topic}: ${pick(TOPICS)} ${pick(TOPICS)} ${Math.floor(random() * 1e6)}`;
    const label = random() < 0.5 ? 'ham' : 'spam';
    const confidence = Math.round((0.5 + random() * 0.5) * 100) / 100;
    const served = prediction({
      id,
      text,
      label,
      confidence,
      scores: { [label]: confidence, [label === 'ham' ? 'spam' : 'ham']: 1 - confidence },
      createdAt: 1_000 + Math.floor(i / 3),
      metadata: random() < 0.5 ? { group: pick(['easy', 'hard']) } : {},
    });
    rows.push(served);
    if (random() < 0.25) {
      const shadowLabel = random() < 0.5 ? label : label === 'ham' ? 'spam' : 'ham';
      rows.push(
        prediction({
          id: `${id}-shadow`,
          variant: 'shadow',
          modelVersion: 'v2',
          text,
          label: shadowLabel,
          confidence: Math.round((0.5 + random() * 0.5) * 100) / 100,
          servedPredictionId: id,
          createdAt: served.createdAt,
        }),
      );
    }
    if (random() < 0.3) oovRates[id] = Math.round(random() * 100) / 100;
    const feedbackRoll = random();
    if (feedbackRoll < 0.1) fb.push(feedback(id, 'incorrect', null, `${id}-f1`, random() < 0.7));
    else if (feedbackRoll < 0.15) fb.push(feedback(id, 'label', pick(['ham', 'spam', 'eggs']), `${id}-f1`));
    else if (feedbackRoll < 0.2) fb.push(feedback(id, 'correct', null, `${id}-f1`));
    if (feedbackRoll < 0.2 && random() < 0.2)
      fb.push(feedback(id, pick(['correct', 'incorrect']), null, `${id}-f2`));
    if (random() < 0.02) fb.push(feedback(`${id}-shadow`, 'incorrect', null, `${id}-on-shadow`));
    if (random() < 0.03) knownItemIds.push(contentHash(text));
  }
  return { rows, feedback: fb, oovRates, knownItemIds };
}
