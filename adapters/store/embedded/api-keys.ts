import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { API_KEYS } from '../access-tables.ts';
import type { ApiKeyRepository } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(API_KEYS);
const toRecord = (row: unknown) => recordOf(API_KEYS, row as Record<string, unknown>, 'embedded');

export function embeddedApiKeys(db: DatabaseSync): ApiKeyRepository {
  const insert = db.prepare(`INSERT INTO api_keys (${COLUMNS}) VALUES ${embeddedPlaceholders(API_KEYS)}`);
  const byHash = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY seq`);
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
  return {
    async create(key) {
      insert.run(...(rowValues(API_KEYS, key, 'embedded') as SQLInputValue[]));
    },
    async findByHash(hash) {
      const row = byHash.get(hash);
      return row ? toRecord(row) : null;
    },
    async list() {
      return all.all().map(toRecord);
    },
    async revoke(id, at) {
      return Number(revoke.run(at, id).changes) > 0;
    },
  };
}
