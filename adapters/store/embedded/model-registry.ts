import type { DatabaseSync } from 'node:sqlite';
import type { AliasMove, ModelVersion } from '../../../core/registry/model-version.ts';
import { writeTransaction } from '../../sqlite/sqlite-file.ts';
import type { ModelRegistry } from '../store.ts';
import { assertAliasTargetOfModel, UnknownModelVersionError } from '../write-guards.ts';

const VERSION_COLUMNS =
  'id, model, artifact_sha256, dataset_id, labels, trainer, params, metrics, blessed_by, created_at';

interface ModelVersionRow {
  id: string;
  model: string;
  artifact_sha256: string;
  dataset_id: string;
  labels: string;
  trainer: string;
  params: string;
  metrics: string;
  blessed_by: string | null;
  created_at: number;
}

interface AliasMoveRow {
  model: string;
  alias: AliasMove['alias'];
  version_id: string | null;
  previous_version_id: string | null;
  reason: string;
  actor: string;
  at: number;
}

export function embeddedModelRegistry(db: DatabaseSync): ModelRegistry {
  const register = db.prepare(
    `INSERT INTO model_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
    `INSERT INTO alias_moves (model, alias, version_id, previous_version_id, reason, actor, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const history = db.prepare(
    `SELECT model, alias, version_id, previous_version_id, reason, actor, at
     FROM alias_moves WHERE model = ? ORDER BY seq`,
  );
  const currentTarget = (model: string, name: string): string | null =>
    (alias.get(model, name) as { version_id: string | null } | undefined)?.version_id ?? null;

  return {
    async register(version) {
      const { changes } = register.run(
        version.id,
        version.model,
        version.artifactSha256,
        version.datasetId,
        JSON.stringify(version.labels),
        version.trainer,
        JSON.stringify(version.params),
        JSON.stringify(version.metrics),
        version.blessedBy,
        version.createdAt,
      );
      return { created: Number(changes) === 1 };
    },
    async get(id) {
      const row = get.get(id) as unknown as ModelVersionRow | undefined;
      return row ? toModelVersion(row) : null;
    },
    async list(model) {
      return (list.all(model) as unknown as ModelVersionRow[]).map(toModelVersion);
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
        recordMove.run(
          move.model,
          move.alias,
          move.versionId,
          previousVersionId,
          move.reason,
          move.actor,
          move.at,
        );
        return recorded;
      });
    },
    async alias(model, name) {
      return currentTarget(model, name);
    },
    async aliasHistory(model) {
      return (history.all(model) as unknown as AliasMoveRow[]).map((row) => ({
        model: row.model,
        alias: row.alias,
        versionId: row.version_id,
        previousVersionId: row.previous_version_id,
        reason: row.reason,
        actor: row.actor,
        at: row.at,
      }));
    },
  };
}

function toModelVersion(row: ModelVersionRow): ModelVersion {
  return {
    id: row.id,
    model: row.model,
    artifactSha256: row.artifact_sha256,
    datasetId: row.dataset_id,
    labels: JSON.parse(row.labels),
    trainer: row.trainer,
    params: JSON.parse(row.params),
    metrics: JSON.parse(row.metrics),
    blessedBy: row.blessed_by,
    createdAt: row.created_at,
  };
}
