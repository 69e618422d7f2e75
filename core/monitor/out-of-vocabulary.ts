import type { LinearTextModel } from '../model/linear-model.ts';
import { createTokenScanner } from '../model/tokenizer.ts';

/**
 * How unfamiliar a text's words are to a trained model, read off its hashed weights: a word the model
 * never saw in training left its slot with no weight at all. The model keeps no vocabulary, so this is
 * an estimate: an unseen word still lands on a weighted slot when it collides with a seen word (or a
 * word pair) — with probability `coverage`, the share of slots that carry weight. The share of a text's
 * words on weightless slots is therefore (out-of-vocabulary share) × (1 − coverage), and dividing by
 * (1 − coverage) undoes the dilution. Only words are measured, not word pairs: a new pair of known
 * words is not an unfamiliar input.
 */
export interface VocabularyMeter {
  /** Share of feature slots that carry weight for some label. */
  readonly coverage: number;
  /** Estimated share of the text's words the model never saw, in [0, 1]; null for a text without words. */
  rate(text: string): number | null;
}

export function vocabularyMeter(model: LinearTextModel): VocabularyMeter {
  const classes = model.labels.length;
  const dimension = model.features.dimension;
  const weighted = new Uint8Array(dimension);
  let used = 0;
  for (let slot = 0; slot < dimension; slot++) {
    for (let k = 0; k < classes; k++) {
      if (model.weights[slot * classes + k] !== 0) {
        weighted[slot] = 1;
        used++;
        break;
      }
    }
  }
  const coverage = used / dimension;
  const scan = createTokenScanner(model.features);
  const mask = dimension - 1;
  const { lowercase, maxTokens } = model.features;
  return {
    coverage,
    rate(text) {
      // With every slot weighted, an unseen word is indistinguishable from a seen one.
      if (coverage === 1) return null;
      let words = 0;
      let weightless = 0;
      scan(lowercase ? text.toLowerCase() : text, (hash) => {
        words++;
        if (weighted[hash & mask] === 0) weightless++;
        return words < maxTokens;
      });
      if (words === 0) return null;
      return Math.min(1, weightless / words / (1 - coverage));
    },
  };
}

/** The meter's rate of every text that has words, by id (the shape summarizeWindow takes). */
export function outOfVocabularyRates(
  meter: VocabularyMeter,
  texts: ReadonlyArray<{ id: string; text: string }>,
): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const { id, text } of texts) {
    const rate = meter.rate(text);
    if (rate !== null) rates[id] = rate;
  }
  return rates;
}
