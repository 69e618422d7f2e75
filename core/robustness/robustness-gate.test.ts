import { describe, expect, it } from 'vitest';
import { defaultCycleConfig, parseCycleConfig } from '../cycle/cycle-config.ts';
import type { DatasetItem } from '../datasets/dataset.ts';
import { summarizeModel } from '../evaluation/summarize-model.ts';
import { evaluateGate } from '../gate/evaluate-gate.ts';
import { createClassifier } from '../model/linear-model.ts';
import { syntheticCorpus } from '../model/test-corpus.ts';
import { trainClassifier } from '../model/train.ts';
import { PERTURBATION_FAMILIES, perturbText } from './perturbations.ts';
import { perturbHoldout } from './perturbed-holdout.ts';

const LABELS = ['ham', 'spam'];

function items(examples: { text: string; label: string }[], prefix: string): DatasetItem[] {
  return examples.map((example, index) => ({
    id: `${prefix}-${index}`,
    text: example.text,
    label: example.label,
    split: 'holdout',
    source: { kind: 'seed', by: 'test', cycle: null, batchId: null },
    group: null,
    predictionId: null,
    reason: null,
  }));
}

function changedWords(text: string, seed: number): string {
  const words = text.split(' ');
  const perturbed = perturbText(text, 'character-substitution', seed).split(' ');
  return perturbed.filter((word, index) => word !== words[index]).join(' ');
}

async function predictorOf(examples: { text: string; label: string }[]) {
  const trained = await trainClassifier({ examples, labels: LABELS, seed: 5, params: { epochs: 4 } });
  const classifier = createClassifier(trained.model);
  return (text: string) => classifier.predict(text).label;
}

describe('the robustness rule of the gate', () => {
  it('blocks a candidate trained with flipped labels on one perturbation family, naming that family alone', async () => {
    const train = syntheticCorpus({ labels: LABELS, perLabel: 300, seed: 1 });
    const holdout = items(syntheticCorpus({ labels: LABELS, perLabel: 150, seed: 2 }), 'h');
    // Look-alike spellings of spam taught as ham: only the words the substitution changed, so that what the
    // candidate learns wrong is what that family writes.
    const poisoned = [
      ...train,
      ...train
        .filter((example) => example.label === 'spam')
        .flatMap((example, index) =>
          [1, 2, 3].map((round) => ({
            text: changedWords(example.text, 1000 + index * 3 + round),
            label: 'ham',
          })),
        ),
    ];
    const champion = await predictorOf(train);
    const candidate = await predictorOf(poisoned);
    const config = defaultCycleConfig().gate;
    const sets = {
      holdout,
      golden: [],
      minedMistakes: [],
      perturbedHoldouts: perturbHoldout(holdout, config.robustness.families, config.robustness.seed),
    };
    const verdict = evaluateGate(
      {
        candidate: summarizeModel(candidate, LABELS, sets),
        champion: summarizeModel(champion, LABELS, sets),
      },
      config,
    );
    const robustness = verdict.checks.filter((check) => check.kind === 'robustness');
    expect(robustness.map((check) => check.name)).toEqual(
      PERTURBATION_FAMILIES.map((family) => `robustness:${family}`),
    );
    expect(robustness.filter((check) => !check.passed).map((check) => check.name)).toEqual([
      'robustness:character-substitution',
    ]);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toContainEqual(
      expect.stringMatching(/^robustness character-substitution accuracy .* drop .* beyond the bound 0\.05$/),
    );
    // The same measurement twice gives the same figures: the perturbations are seeded.
    const again = summarizeModel(candidate, LABELS, sets);
    expect(again.robustness).toEqual(summarizeModel(candidate, LABELS, sets).robustness);
  });

  it('passes the same candidate when the family is left out or its bound allows the drop', async () => {
    const train = syntheticCorpus({ labels: LABELS, perLabel: 200, seed: 3 });
    const holdout = items(syntheticCorpus({ labels: LABELS, perLabel: 100, seed: 4 }), 'h');
    const model = await predictorOf(train);
    const config = defaultCycleConfig().gate;
    const sets = {
      holdout,
      golden: [],
      minedMistakes: [],
      perturbedHoldouts: perturbHoldout(holdout, ['truncation'], 0),
    };
    const summary = summarizeModel(model, LABELS, sets);
    const worse = { ...summary, robustness: [{ family: 'truncation', size: 200, accuracy: 0.5 }] };
    const strict = evaluateGate(
      { candidate: worse, champion: summary },
      { ...config, robustness: { ...config.robustness, families: ['truncation'] } },
    );
    expect(strict.passed).toBe(false);
    const lenient = evaluateGate(
      { candidate: worse, champion: summary },
      {
        ...config,
        robustness: { ...config.robustness, families: ['truncation'], bounds: { truncation: 1 } },
      },
    );
    expect(lenient.checks.find((check) => check.name === 'robustness:truncation')?.passed).toBe(true);
    const off = evaluateGate(
      { candidate: worse, champion: summary },
      { ...config, robustness: { ...config.robustness, families: [] } },
    );
    expect(off.checks.some((check) => check.kind === 'robustness')).toBe(false);
  });
});

describe('robustness config', () => {
  it('refuses an unknown family and bounds outside [0, 1], naming the field and the rule', () => {
    const result = parseCycleConfig({
      gate: {
        robustness: {
          families: ['character-substitution', 'emoji'],
          maxDropBelowChampion: 1.5,
          bounds: { truncation: -0.1, leetspeak: 0.2 },
        },
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    expect(text).toMatch(/^gate\.robustness\.families\[1\]: .*character-substitution/m);
    expect(text).toMatch(/^gate\.robustness\.maxDropBelowChampion: .*1/m);
    expect(text).toMatch(/^gate\.robustness\.bounds\.truncation: .*0/m);
    expect(text).toMatch(/gate\.robustness\.bounds.*leetspeak/m);
  });
});
