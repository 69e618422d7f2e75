import type pg from 'pg';
import type { ApiKeyRecord, ApiKeyScope } from '../../../core/access/api-key.ts';
import type { ApiKeyRepository } from '../store.ts';

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, name, scopes, hash, created_at, revoked_at';

export function postgresApiKeys(pool: pg.Pool): ApiKeyRepository {
  return {
    async create(key) {
      await pool.query(
        'INSERT INTO api_keys (id, name, scopes, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [key.id, key.name, JSON.stringify(key.scopes), key.hash, key.createdAt, key.revokedAt],
      );
    },
    async findByHash(hash) {
      const { rows } = await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async list() {
      const { rows } = await pool.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY seq`);
      return rows.map(toRecord);
    },
    async revoke(id, at) {
      const result = await pool.query(
        'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2',
        [at, id],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    hash: row.hash,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
