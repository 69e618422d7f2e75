import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, type FeatureConfig } from '../model/feature-config.ts';
import type { LinearTextModel } from '../model/linear-model.ts';
import { tokenHash } from '../model/tokenizer.ts';
import { outOfVocabularyRates, vocabularyMeter } from './out-of-vocabulary.ts';

const features: FeatureConfig = { ...DEFAULT_FEATURES, dimension: 1024, ngrams: 1 };
const slotOf = (word: string) => tokenHash(word) & (features.dimension - 1);

/** A two-label model that only ever saw `known` (their slots carry weight, every other slot none). */
function modelKnowing(known: readonly string[], overrides: Partial<FeatureConfig> = {}): LinearTextModel {
  const weights = new Float32Array(features.dimension * 2);
  for (const word of known) weights[slotOf(word) * 2 + 1] = 0.5;
  return {
    labels: ['ham', 'spam'],
    features: { ...features, ...overrides },
    weights,
    bias: new Float32Array(2),
  };
}

describe('vocabularyMeter', () => {
  it('estimates the unseen share from weightless slots, corrected for collisions', () => {
    // The four words land on four different slots (checked here, not assumed).
    expect(new Set(['hello', 'world', 'foo', 'bar'].map(slotOf)).size).toBe(4);
    const meter = vocabularyMeter(modelKnowing(['hello', 'world']));
    // 2 of 1024 slots carry weight.
    expect(meter.coverage).toBe(2 / 1024);
    // ("!" and "$" are tokens too; "." and "," are not.) 2 of 4 words on weightless slots: 0.5 / (1 − 2/1024) = 512/1022 = 0.50097847358…
    expect(meter.rate('Hello world, foo bar.')).toBeCloseTo(512 / 1022, 12);
    expect(meter.rate('HELLO hello World')).toBe(0);
    expect(meter.rate('  ... ')).toBeNull();
  });

  it('counts only the words the model reads and never exceeds 1', () => {
    const meter = vocabularyMeter(modelKnowing(['hello'], { maxTokens: 2 }));
    // "foo bar" are read, "hello" is past maxTokens: 2/2 weightless → 1/(1 − 1/1024), capped at 1.
    expect(meter.rate('foo bar hello')).toBe(1);
  });

  it('cannot tell seen from unseen words when every slot carries weight', () => {
    const model = modelKnowing([]);
    model.weights.fill(0.1);
    expect(vocabularyMeter(model).rate('anything at all')).toBeNull();
  });

  it('keys the rates by id and leaves out texts without words', () => {
    const meter = vocabularyMeter(modelKnowing(['hello', 'world']));
    expect(
      outOfVocabularyRates(meter, [
        { id: 'a', text: 'hello world' },
        { id: 'b', text: '...' },
      ]),
    ).toEqual({ a: 0 });
  });
});
