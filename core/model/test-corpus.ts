import { mulberry32 } from './prng.ts';
import type { LabeledText } from './train.ts';

/**
 * A synthetic corpus for unit tests: each label has its own words, all labels share filler words, and
 * a few texts per label borrow words of another label so the problem is learnable but not trivial.
 */
export function syntheticCorpus(options: {
  labels: readonly string[];
  perLabel: number;
  seed: number;
}): LabeledText[] {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const filler = ['the', 'a', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'for', 'on', 'with', 'as', 'was'];
  const own = new Map(
    options.labels.map((label) => [label, Array.from({ length: 12 }, (_, i) => `${label}${i}`)]),
  );
  const examples: LabeledText[] = [];
  for (let i = 0; i < options.perLabel; i++) {
    for (const label of options.labels) {
      const words: string[] = [];
      const length = 8 + Math.floor(random() * 12);
      for (let w = 0; w < length; w++) {
        const roll = random();
        if (roll < 0.55) words.push(pick(filler));
        else if (roll < 0.9) words.push(pick(own.get(label)!));
        else words.push(pick(own.get(pick(options.labels))!));
      }
      examples.push({ text: words.join(' '), label });
    }
  }
  return examples;
}
