import type { DatabaseSync } from 'node:sqlite';
import type { ApiKeyRecord, ApiKeyScope } from '../../../core/access/api-key.ts';
import type { ApiKeyRepository } from '../store.ts';

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, name, scopes, hash, created_at, revoked_at';

export function embeddedApiKeys(db: DatabaseSync): ApiKeyRepository {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, name, scopes, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY seq`);
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
  return {
    async create(key) {
      insert.run(key.id, key.name, JSON.stringify(key.scopes), key.hash, key.createdAt, key.revokedAt);
    },
    async findByHash(hash) {
      const row = byHash.get(hash) as unknown as ApiKeyRow | undefined;
      return row ? toRecord(row) : null;
    },
    async list() {
      return (all.all() as unknown as ApiKeyRow[]).map(toRecord);
    },
    async revoke(id, at) {
      return Number(revoke.run(at, id).changes) > 0;
    },
  };
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ApiKeyScope[],
    hash: row.hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
