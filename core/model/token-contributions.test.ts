import { expect, test } from 'vitest';
import { DEFAULT_FEATURES } from './feature-config.ts';
import type { LinearTextModel } from './linear-model.ts';
import { tokenContributions } from './token-contributions.ts';
import { tokenHash } from './tokenizer.ts';

const features = { ...DEFAULT_FEATURES, dimension: 1024, ngrams: 1 as const };

/** Weights set by hand: "free" and "$" speak for spam, "meeting" for ham, every other word for nothing. */
function handModel(): LinearTextModel {
  const weights = new Float32Array(features.dimension * 2);
  const set = (token: string, ham: number, spam: number) => {
    const slot = tokenHash(token) & (features.dimension - 1);
    weights[slot * 2] = ham;
    weights[slot * 2 + 1] = spam;
  };
  set('free', -1, 2);
  set('$', 0, 1);
  set('meeting', 1.5, -0.5);
  return { labels: ['ham', 'spam'], features, weights, bias: new Float32Array(2) };
}

test('ranks the words of a text by how far their weights push it towards the label', () => {
  const { towards, against } = tokenContributions(handModel(), 'FREE money $ for the meeting', 'spam');
  expect(towards.map((entry) => entry.token)).toEqual(['free', '$']);
  expect(against.map((entry) => entry.token)).toEqual(['meeting']);
  // Six distinct words, log-tf 1 each, unit length: each value is 1/√6.
  expect(towards[0]!.contribution).toBeCloseTo(3 / Math.sqrt(6), 5);
  const forHam = tokenContributions(handModel(), 'FREE money $ for the meeting', 'ham');
  expect(forHam.towards.map((entry) => entry.token)).toEqual(['meeting']);
  expect(tokenContributions(handModel(), 'free', 'unknown')).toEqual({ towards: [], against: [] });
});
