import type { DatasetItem, DatasetVersion } from '../../core/datasets/dataset.ts';

/** The same checks, worded the same, in both stores: callers see one behaviour whichever is configured. */

export class UnknownModelVersionError extends Error {
  constructor(versionId: string) {
    super(`unknown model version "${versionId}"`);
    this.name = 'UnknownModelVersionError';
  }
}

export function assertAliasTargetOfModel(
  model: string,
  versionId: string,
  versionModel: string | undefined,
): void {
  if (versionModel === undefined) throw new UnknownModelVersionError(versionId);
  if (versionModel !== model) {
    throw new Error(`model version "${versionId}" belongs to model "${versionModel}", not "${model}"`);
  }
}

/** A version's counts are what lists show without reading items: they must not lie. */
export function assertCountsMatchItems(version: DatasetVersion, items: readonly DatasetItem[]): void {
  const actual = { train: 0, holdout: 0, golden: 0 };
  for (const item of items) actual[item.split] += 1;
  const { train, holdout, golden } = version.counts;
  if (actual.train !== train || actual.holdout !== holdout || actual.golden !== golden) {
    throw new Error(
      `dataset version "${version.id}" claims counts ${JSON.stringify(version.counts)} but its items have ${JSON.stringify(actual)}`,
    );
  }
}

/** Duplicate ids in one upsert batch: the last one wins, as if written one after another. */
export function lastOfEachId<T extends { id: string }>(rows: readonly T[]): T[] {
  return [...new Map(rows.map((row) => [row.id, row])).values()];
}
