/**
 * One numbered, append-only schema change, for either database. Never edit a migration that has
 * shipped; add the next one. Applied versions are recorded in a `schema_migrations` table.
 */
export interface SchemaMigration {
  version: number;
  name: string;
  sql: string;
}

/** Versions must run 1, 2, 3… in list order, so "applied up to N" means exactly the first N. */
export function assertNumberedInOrder(migrations: readonly SchemaMigration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" is numbered ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}

/** A database written by a newer Flywheel must not be "migrated" (or misread) by an older one. */
export function assertNotNewerThanKnown(
  where: string,
  appliedVersions: Iterable<number>,
  migrations: readonly SchemaMigration[],
): void {
  const newestApplied = Math.max(0, ...appliedVersions);
  const newestKnown = migrations.at(-1)?.version ?? 0;
  if (newestApplied > newestKnown) {
    throw new Error(
      `${where} has schema version ${newestApplied}, newer than this Flywheel knows (${newestKnown}): upgrade Flywheel`,
    );
  }
}
