import { sha256OfText } from '../hashing/sha256.ts';
import type { DatasetItem, DatasetVersion, LabelSource, Split } from './dataset.ts';
import { splitSide } from './split.ts';

/** A label this cycle settled (by a rule or a reviewer), with what the model had served. */
export interface AcceptedLabel {
  /** Content hash of the text. */
  id: string;
  text: string;
  label: string;
  /** What the serving model answered; a different final label makes the item a corrected mistake. */
  servedLabel: string | null;
  group: string | null;
  predictionId: string | null;
  reason: string | null;
  source: LabelSource;
}

export interface NextVersionInput {
  model: string;
  parent: DatasetVersion;
  parentItems: readonly DatasetItem[];
  accepted: readonly AcceptedLabel[];
  cycle: number;
  batchId: string;
  holdoutShare: number;
  goldenShare: number;
  seed: number;
  createdAt: number;
  /** Parent items left out (their user asked to be forgotten): they neither stay nor come back. */
  forgotten?: ReadonlySet<string>;
}

export interface NextVersion {
  version: DatasetVersion;
  items: DatasetItem[];
  added: Record<Split, number>;
}

/**
 * The next immutable dataset version: the parent's items, unchanged and on their sides, plus this
 * cycle's accepted labels. A share of the corrected mistakes becomes golden (never trained on), so a
 * mistake fixed once stays tested; the rest split train/holdout by content hash. The id is a hash of the
 * parent and what was added, so building the same version twice gives the same id.
 */
export function nextDatasetVersion(input: NextVersionInput): NextVersion {
  const forgotten = input.forgotten ?? new Set<string>();
  const kept = input.parentItems.filter((item) => !forgotten.has(item.id));
  const removed = input.parentItems.filter((item) => forgotten.has(item.id)).map((item) => item.id);
  const present = new Set([...kept.map((item) => item.id), ...forgotten]);
  const added: Record<Split, number> = { train: 0, holdout: 0, golden: 0 };
  const newItems: DatasetItem[] = [];
  const sorted = [...input.accepted].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const label of sorted) {
    if (present.has(label.id)) continue;
    present.add(label.id);
    const split = sideOf(label, input);
    added[split] += 1;
    newItems.push({
      id: label.id,
      text: label.text,
      label: label.label,
      split,
      source: label.source,
      group: label.group,
      predictionId: label.predictionId,
      reason: label.reason,
    });
  }
  const items = [...kept, ...newItems];
  const counts: Record<Split, number> = { train: 0, holdout: 0, golden: 0 };
  for (const item of items) counts[item.split] += 1;
  const fingerprint = JSON.stringify([
    input.parent.id,
    newItems.map((item) => [item.id, item.label, item.split]),
    // Only when something was left out, so that versions built before forgetting existed keep their ids.
    ...(removed.length > 0 ? [{ removed: removed.sort() }] : []),
  ]);
  return {
    version: {
      id: `ds-${sha256OfText(fingerprint).slice(0, 20)}`,
      model: input.model,
      parentId: input.parent.id,
      cycle: input.cycle,
      batchId: input.batchId,
      counts,
      createdAt: input.createdAt,
    },
    items,
    added,
  };
}

function sideOf(label: AcceptedLabel, input: NextVersionInput): Split {
  const correctedMistake = label.servedLabel !== null && label.servedLabel !== label.label;
  if (
    correctedMistake &&
    splitSide(label.id, { seed: input.seed + 1, holdoutFraction: input.goldenShare }) === 'holdout'
  ) {
    return 'golden';
  }
  return splitSide(label.id, { seed: input.seed, holdoutFraction: input.holdoutShare });
}
