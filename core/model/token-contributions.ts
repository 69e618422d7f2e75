import { createFeaturizer } from './features.ts';
import type { LinearTextModel } from './linear-model.ts';
import { createTokenScanner } from './tokenizer.ts';

/** One word of a text and how far it moved the model's score towards a label. */
export interface TokenContribution {
  token: string;
  /** Its feature's value in the text's vector × (its weight for the label − its mean weight for the others). */
  contribution: number;
}

/**
 * The words that pushed a linear model's score towards `label` most (`towards`) and away from it most
 * (`against`), read from the model's own weights: a word's contribution is its feature's value in this
 * text times the difference between its weight for `label` and its mean weight for the other labels.
 * Only single words count here; pairs of words also feed the score but are not listed.
 */
export function tokenContributions(
  model: LinearTextModel,
  text: string,
  label: string,
  limit = 8,
): { towards: TokenContribution[]; against: TokenContribution[] } {
  const classes = model.labels.length;
  const k = model.labels.indexOf(label);
  if (k < 0) return { towards: [], against: [] };
  const source = model.features.lowercase ? text.toLowerCase() : text;
  const vector = createFeaturizer(model.features)(text);
  const featureValues = new Map<number, number>();
  for (let i = 0; i < vector.indices.length; i++) featureValues.set(vector.indices[i]!, vector.values[i]!);
  const mask = model.features.dimension - 1;
  const slots = new Map<string, number>();
  createTokenScanner(model.features)(source, (hash, start, end) => {
    const token = source.slice(start, end);
    if (!slots.has(token)) slots.set(token, hash & mask);
    return true;
  });
  const contributions: TokenContribution[] = [];
  for (const [token, slot] of slots) {
    const row = slot * classes;
    let others = 0;
    for (let j = 0; j < classes; j++) if (j !== k) others += model.weights[row + j]!;
    const difference = model.weights[row + k]! - others / (classes - 1);
    contributions.push({ token, contribution: (featureValues.get(slot) ?? 0) * difference });
  }
  const ranked = contributions.sort((a, b) => b.contribution - a.contribution);
  return {
    towards: ranked.filter((entry) => entry.contribution > 0).slice(0, limit),
    against: ranked
      .filter((entry) => entry.contribution < 0)
      .reverse()
      .slice(0, limit),
  };
}
