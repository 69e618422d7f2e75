import type pg from 'pg';
import { API_KEYS } from '../access-tables.ts';
import type { ApiKeyRepository } from '../store.ts';
import { columnList, postgresPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(API_KEYS);
const toRecord = (row: Record<string, unknown>) => recordOf(API_KEYS, row, 'postgres');

export function postgresApiKeys(pool: pg.Pool): ApiKeyRepository {
  return {
    async create(key) {
      await pool.query(
        `INSERT INTO api_keys (${COLUMNS}) VALUES ${postgresPlaceholders(API_KEYS)}`,
        rowValues(API_KEYS, key, 'postgres'),
      );
    },
    async findByHash(hash) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async list() {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY seq`);
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
