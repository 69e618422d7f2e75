import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AliasMove } from '../../../core/registry/model-version.ts';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import { ALIAS_MOVES, MODEL_VERSIONS } from '../registry-tables.ts';
import type { ModelRegistry } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, rowValues } from '../table-mapping.ts';
import { assertAliasTargetOfModel, UnknownModelVersionError } from '../write-guards.ts';

const VERSION_COLUMNS = columnList(MODEL_VERSIONS);
const MOVE_COLUMNS = columnList(ALIAS_MOVES);
const toModelVersion = (row: unknown) => recordOf(MODEL_VERSIONS, row as Record<string, unknown>, 'embedded');

export function embeddedModelRegistry(db: DatabaseSync): ModelRegistry {
  const register = db.prepare(
    `INSERT INTO model_versions (${VERSION_COLUMNS}) VALUES ${embeddedPlaceholders(MODEL_VERSIONS)}
     ON CONFLICT (id) DO NOTHING`,
  );
  const get = db.prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = ?`);
  const list = db.prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE model = ? ORDER BY seq`);
  const models = db.prepare('SELECT DISTINCT model FROM model_versions ORDER BY model');
  const setBlessing = db.prepare('UPDATE model_versions SET blessed_by = ? WHERE id = ?');
  const modelOfVersion = db.prepare('SELECT model FROM model_versions WHERE id = ?');
  const alias = db.prepare('SELECT version_id FROM model_aliases WHERE model = ? AND alias = ?');
  const pointAlias = db.prepare(
    `INSERT INTO model_aliases (model, alias, version_id) VALUES (?, ?, ?)
     ON CONFLICT (model, alias) DO UPDATE SET version_id = excluded.version_id`,
  );
  const recordMove = db.prepare(
    `INSERT INTO alias_moves (${MOVE_COLUMNS}) VALUES ${embeddedPlaceholders(ALIAS_MOVES)}`,
  );
  const history = db.prepare(`SELECT ${MOVE_COLUMNS} FROM alias_moves WHERE model = ? ORDER BY seq`);
  const currentTarget = (model: string, name: string): string | null =>
    (alias.get(model, name) as { version_id: string | null } | undefined)?.version_id ?? null;

  return {
    async register(version) {
      const { changes } = register.run(
        ...(rowValues(MODEL_VERSIONS, version, 'embedded') as SQLInputValue[]),
      );
      return { created: Number(changes) === 1 };
    },
    async get(id) {
      const row = get.get(id);
      return row ? toModelVersion(row) : null;
    },
    async list(model) {
      return list.all(model).map(toModelVersion);
    },
    async models() {
      return (models.all() as unknown as { model: string }[]).map((row) => row.model);
    },
    async setBlessing(versionId, reportId) {
      if (Number(setBlessing.run(reportId, versionId).changes) === 0) {
        throw new UnknownModelVersionError(versionId);
      }
    },
    async moveAlias(move) {
      return writeTransaction(db, () => {
        if (move.versionId !== null) {
          const owner = modelOfVersion.get(move.versionId) as { model: string } | undefined;
          assertAliasTargetOfModel(move.model, move.versionId, owner?.model);
        }
        const previousVersionId = currentTarget(move.model, move.alias);
        const recorded: AliasMove = { ...move, previousVersionId };
        if (previousVersionId === move.versionId) return recorded;
        pointAlias.run(move.model, move.alias, move.versionId);
        recordMove.run(...(rowValues(ALIAS_MOVES, recorded, 'embedded') as SQLInputValue[]));
        return recorded;
      });
    },
    async alias(model, name) {
      return currentTarget(model, name);
    },
    async aliasHistory(model) {
      return history.all(model).map((row) => recordOf(ALIAS_MOVES, row, 'embedded'));
    },
  };
}
