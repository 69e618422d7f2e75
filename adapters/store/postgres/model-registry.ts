import type pg from 'pg';
import type { AliasMove, ModelVersion } from '../../../core/registry/model-version.ts';
import type { ModelRegistry } from '../store.ts';
import { assertAliasTargetOfModel, UnknownModelVersionError } from '../write-guards.ts';
import { inTransaction } from './pool.ts';

const VERSION_COLUMNS =
  'id, model, artifact_sha256, dataset_id, labels, trainer, params, metrics, blessed_by, created_at';

interface ModelVersionRow {
  id: string;
  model: string;
  artifact_sha256: string;
  dataset_id: string;
  labels: string[];
  trainer: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
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

export function postgresModelRegistry(pool: pg.Pool): ModelRegistry {
  return {
    async register(version) {
      const { rowCount } = await pool.query(
        `INSERT INTO model_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING`,
        [
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
        ],
      );
      return { created: rowCount === 1 };
    },
    async get(id) {
      const { rows } = await pool.query<ModelVersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = $1`,
        [id],
      );
      return rows[0] ? toModelVersion(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query<ModelVersionRow>(
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
          `INSERT INTO alias_moves (model, alias, version_id, previous_version_id, reason, actor, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [move.model, move.alias, move.versionId, previousVersionId, move.reason, move.actor, move.at],
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
      const { rows } = await pool.query<AliasMoveRow>(
        `SELECT model, alias, version_id, previous_version_id, reason, actor, at
         FROM alias_moves WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map((row) => ({
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
    labels: row.labels,
    trainer: row.trainer,
    params: row.params,
    metrics: row.metrics,
    blessedBy: row.blessed_by,
    createdAt: row.created_at,
  };
}
