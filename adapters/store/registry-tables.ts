import type { AliasMove, ModelVersion } from '../../core/registry/model-version.ts';
import type { TableMapping } from './table-mapping.ts';

/** Registered model versions. */
export const MODEL_VERSIONS: TableMapping<ModelVersion> = {
  table: 'model_versions',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'artifact_sha256', field: 'artifactSha256', kind: 'text' },
    { column: 'dataset_id', field: 'datasetId', kind: 'text' },
    { column: 'labels', field: 'labels', kind: 'json' },
    { column: 'trainer', field: 'trainer', kind: 'text' },
    { column: 'params', field: 'params', kind: 'json' },
    { column: 'metrics', field: 'metrics', kind: 'json' },
    { column: 'blessed_by', field: 'blessedBy', kind: 'text' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
  ],
};

/** Every move of an alias (champion, candidate), with where it pointed before. */
export const ALIAS_MOVES: TableMapping<AliasMove> = {
  table: 'alias_moves',
  columns: [
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'alias', field: 'alias', kind: 'text' },
    { column: 'version_id', field: 'versionId', kind: 'text' },
    { column: 'previous_version_id', field: 'previousVersionId', kind: 'text' },
    { column: 'reason', field: 'reason', kind: 'text' },
    { column: 'actor', field: 'actor', kind: 'text' },
    { column: 'at', field: 'at', kind: 'integer' },
  ],
};
