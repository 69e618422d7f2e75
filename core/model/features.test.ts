import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, FeatureConfig } from './feature-config.ts';
import { createFeaturizer, pairHash } from './features.ts';
import { tokenHash } from './tokenizer.ts';

const small: FeatureConfig = { ...DEFAULT_FEATURES, dimension: 1 << 20 };
const sorted = (indices: Uint32Array) => [...indices].sort((a, b) => a - b);

describe('createFeaturizer', () => {
  it('hashes words and adjacent pairs into slots, log-TF weighted, unit length', () => {
    const x = createFeaturizer(small)('spam spam eggs');
    const slot = (hash: number) => hash & (small.dimension - 1);
    const expected = new Map<number, number>([
      [slot(tokenHash('spam')), 1 + Math.log(2)],
      [slot(tokenHash('eggs')), 1],
      [slot(pairHash(tokenHash('spam'), tokenHash('spam'))), 1],
      [slot(pairHash(tokenHash('spam'), tokenHash('eggs'))), 1],
    ]);
    const norm = Math.sqrt([...expected.values()].reduce((sum, v) => sum + v * v, 0));
    expect(sorted(x.indices)).toEqual([...expected.keys()].sort((a, b) => a - b));
    x.indices.forEach((index, i) => {
      expect(x.values[i]).toBeCloseTo(expected.get(index)! / norm, 12);
    });
  });

  it('distinguishes word order through pairs', () => {
    const featurize = createFeaturizer(small);
    expect(sorted(featurize('dog bites man').indices)).not.toEqual(
      sorted(featurize('man bites dog').indices),
    );
    const unigrams = createFeaturizer({ ...small, ngrams: 1 });
    expect(sorted(unigrams('dog bites man').indices)).toEqual(sorted(unigrams('man bites dog').indices));
  });

  it('gives an empty vector for a text without tokens, and is reusable across texts', () => {
    const featurize = createFeaturizer(small);
    const first = featurize('hello world');
    expect(featurize('  ...  ').indices.length).toBe(0);
    expect(featurize('hello world')).toEqual(first);
  });

  it('supports tf and binary weighting', () => {
    const tf = createFeaturizer({ ...small, ngrams: 1, weighting: 'tf' })('a a a b');
    const [low, high] = [...tf.values].sort((a, b) => a - b);
    expect(low).toBeCloseTo(1 / Math.sqrt(10), 12);
    expect(high).toBeCloseTo(3 / Math.sqrt(10), 12);
    const binary = createFeaturizer({ ...small, ngrams: 1, weighting: 'binary' })('a a a b');
    for (const value of binary.values) expect(value).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('FeatureConfig', () => {
  it('rejects a dimension that is not a power of two and patterns that cannot tokenise', () => {
    expect(FeatureConfig.safeParse({ ...DEFAULT_FEATURES, dimension: 1000 }).success).toBe(false);
    expect(FeatureConfig.safeParse({ ...DEFAULT_FEATURES, tokenPattern: '[a-' }).success).toBe(false);
    expect(FeatureConfig.safeParse({ ...DEFAULT_FEATURES, tokenPattern: 'a*' }).success).toBe(false);
    expect(FeatureConfig.parse(DEFAULT_FEATURES)).toEqual(DEFAULT_FEATURES);
  });
});
