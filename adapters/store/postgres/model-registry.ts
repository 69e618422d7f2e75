import type pg from 'pg';
import type { AliasMove } from '../../../core/registry/model-version.ts';
import { ALIAS_MOVES, MODEL_VERSIONS } from '../registry-tables.ts';
import type { ModelRegistry } from '../store.ts';
import { columnList, postgresPlaceholders, recordOf, rowValues } from '../table-mapping.ts';
import { assertAliasTargetOfModel, UnknownModelVersionError } from '../write-guards.ts';
import { inTransaction } from './pool.ts';

const VERSION_COLUMNS = columnList(MODEL_VERSIONS);
const MOVE_COLUMNS = columnList(ALIAS_MOVES);
const toModelVersion = (row: Record<string, unknown>) => recordOf(MODEL_VERSIONS, row, 'postgres');

export function postgresModelRegistry(pool: pg.Pool): ModelRegistry {
  return {
    async register(version) {
      const { rowCount } = await pool.query(
        `INSERT INTO model_versions (${VERSION_COLUMNS}) VALUES ${postgresPlaceholders(MODEL_VERSIONS)}
         ON CONFLICT (id) DO NOTHING`,
        rowValues(MODEL_VERSIONS, version, 'postgres'),
      );
      return { created: rowCount === 1 };
    },
    async get(id) {
      const { rows } = await pool.query(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1`, [id]);
      return rows[0] ? toModelVersion(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map(toModelVersion);
    },
    async models() {
      const { rows } = await pool.query<{ model: string }>(
        'SELECT DISTINCT model FROM model_versions ORDER BY model',
      );
      return rows.map((row) => row.model);
    },
    async setBlessing(versionId, reportId) {
      const { rowCount } = await pool.query('UPDATE model_versions SET blessed_by = $1 WHERE id = $2', [
        reportId,
        versionId,
      ]);
      if (rowCount === 0) throw new UnknownModelVersionError(versionId);
    },
    async moveAlias(move) {
      return inTransaction(pool, async (client) => {
        if (move.versionId !== null) {
          const { rows } = await client.query<{ model: string }>(
            'SELECT model FROM model_versions WHERE id = $1',
            [move.versionId],
          );
          assertAliasTargetOfModel(move.model, move.versionId, rows[0]?.model);
        }
        // Make sure the alias row exists, then lock it: concurrent moves of one alias take turns,
        // so each records the true previous version.
        await client.query(
          `INSERT INTO model_aliases (model, alias, version_id) VALUES ($1, $2, NULL)
           ON CONFLICT (model, alias) DO NOTHING`,
          [move.model, move.alias],
        );
        const { rows } = await client.query<{ version_id: string | null }>(
          'SELECT version_id FROM model_aliases WHERE model = $1 AND alias = $2 FOR UPDATE',
          [move.model, move.alias],
        );
        const previousVersionId = rows[0]?.version_id ?? null;
        const recorded: AliasMove = { ...move, previousVersionId };
        if (previousVersionId === move.versionId) return recorded;
        await client.query('UPDATE model_aliases SET version_id = $3 WHERE model = $1 AND alias = $2', [
          move.model,
          move.alias,
          move.versionId,
        ]);
        await client.query(
          `INSERT INTO alias_moves (${MOVE_COLUMNS}) VALUES ${postgresPlaceholders(ALIAS_MOVES)}`,
          rowValues(ALIAS_MOVES, recorded, 'postgres'),
        );
        return recorded;
      });
    },
    async alias(model, name) {
      const { rows } = await pool.query<{ version_id: string | null }>(
        'SELECT version_id FROM model_aliases WHERE model = $1 AND alias = $2',
        [model, name],
      );
      return rows[0]?.version_id ?? null;
    },
    async aliasHistory(model) {
      const { rows } = await pool.query(
        `SELECT ${MOVE_COLUMNS} FROM alias_moves WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map((row) => recordOf(ALIAS_MOVES, row, 'postgres'));
    },
  };
}
