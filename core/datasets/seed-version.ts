import { sha256OfText } from '../hashing/sha256.ts';
import type { DatasetItem, DatasetVersion, Split } from './dataset.ts';
import { splitSide } from './split.ts';

export interface SeedExample {
  /** Content hash of the text. */
  id: string;
  text: string;
  label: string;
  group: string | null;
}

/**
 * A model's first dataset version, from a labelled corpus: no parent, every item split train/holdout
 * by its content hash, no golden set yet. The id is a hash of the items, so seeding twice from the
 * same corpus gives the same version.
 */
export function seedDatasetVersion(input: {
  model: string;
  examples: readonly SeedExample[];
  source: string;
  holdoutShare: number;
  seed: number;
  createdAt: number;
}): { version: DatasetVersion; items: DatasetItem[] } {
  const seen = new Set<string>();
  const items: DatasetItem[] = [];
  const counts: Record<Split, number> = { train: 0, holdout: 0, golden: 0 };
  for (const example of input.examples) {
    if (seen.has(example.id)) continue;
    seen.add(example.id);
    const split = splitSide(example.id, { seed: input.seed, holdoutFraction: input.holdoutShare });
    counts[split] += 1;
    items.push({
      id: example.id,
      text: example.text,
      label: example.label,
      split,
      source: { kind: 'seed', by: input.source, cycle: null, batchId: null },
      group: example.group,
      predictionId: null,
      reason: null,
    });
  }
  const fingerprint = JSON.stringify([input.model, items.map((item) => [item.id, item.label, item.split])]);
  return {
    version: {
      id: `ds-${sha256OfText(fingerprint).slice(0, 20)}`,
      model: input.model,
      parentId: null,
      cycle: null,
      batchId: null,
      counts,
      createdAt: input.createdAt,
    },
    items,
  };
}
