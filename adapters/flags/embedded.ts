import { join } from 'node:path';
import { ModelName } from '../../core/model-name.ts';
import { CHAMPION_ONLY, RolloutState } from '../../core/rollout/rollout-state.ts';
import type { SchemaMigration } from '../schema-migration.ts';
import { openSqliteFile, writeTransaction } from '../sqlite/sqlite-file.ts';
import type { FlagProvider } from './flag-provider.ts';
import { parseOrExplain, sameRolloutState } from './rollout-state-input.ts';

const FLAG_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'rollout-flags',
    sql: `
      CREATE TABLE rollout_flags (
        model TEXT PRIMARY KEY,
        champion_version TEXT,
        candidate_version TEXT,
        mode TEXT NOT NULL,
        percent REAL NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

interface FlagRow {
  champion_version: string | null;
  candidate_version: string | null;
  mode: string;
  percent: number;
}

/**
 * The default flag store: `<dataDir>/flags.db`, one row per model. Rollout activities write it and
 * every gateway process reads it (WAL: reads never wait for a write).
 */
export function openEmbeddedFlags(dataDir: string): FlagProvider {
  const db = openSqliteFile(join(dataDir, 'flags.db'), FLAG_MIGRATIONS);
  const read = db.prepare(
    'SELECT champion_version, candidate_version, mode, percent FROM rollout_flags WHERE model = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO rollout_flags (model, champion_version, candidate_version, mode, percent, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (model) DO UPDATE SET
       champion_version = excluded.champion_version, candidate_version = excluded.candidate_version,
       mode = excluded.mode, percent = excluded.percent, updated_at = excluded.updated_at`,
  );
  const current = (model: string): RolloutState | null => {
    const row = read.get(model) as unknown as FlagRow | undefined;
    if (!row) return null;
    // A row edited by hand into nonsense must fail loudly here, not steer traffic.
    return RolloutState.parse({
      championVersion: row.champion_version,
      candidateVersion: row.candidate_version,
      mode: row.mode,
      percent: row.percent,
    });
  };

  return {
    kind: 'embedded',
    async read(model) {
      return current(model) ?? CHAMPION_ONLY(null);
    },
    async write(model, state) {
      const name = parseOrExplain(ModelName, model, 'model name');
      const next = parseOrExplain(RolloutState, state, `rollout state of ${model}`);
      return writeTransaction(db, () => {
        const before = current(name);
        if (before && sameRolloutState(before, next)) return { changed: false };
        upsert.run(name, next.championVersion, next.candidateVersion, next.mode, next.percent, Date.now());
        return { changed: true };
      });
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
