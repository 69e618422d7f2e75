import type pg from 'pg';
import { AUDIT_EVENTS } from '../record-tables.ts';
import type { AuditLog } from '../store.ts';
import { columnList, postgresPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(AUDIT_EVENTS);

export function postgresAuditLog(pool: pg.Pool): AuditLog {
  return {
    async append(event, idempotencyKey) {
      const { rowCount } = await pool.query(
        `INSERT INTO audit_events (${COLUMNS}, idempotency_key)
         VALUES (${postgresPlaceholders(AUDIT_EVENTS).slice(1, -1)}, $${AUDIT_EVENTS.columns.length + 1})
         ON CONFLICT (idempotency_key) DO NOTHING`,
        [...rowValues(AUDIT_EVENTS, event, 'postgres'), idempotencyKey ?? null],
      );
      return { appended: rowCount === 1 };
    },
    async list(filter) {
      // LIMIT NULL is PostgreSQL for "no limit".
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM audit_events
         WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR cycle_id = $2)
           AND ($4::text IS NULL OR kind = $4) AND ($5::bigint IS NULL OR at >= $5)
         ORDER BY seq DESC LIMIT $3`,
        [
          filter.model ?? null,
          filter.cycleId ?? null,
          filter.limit ?? null,
          filter.kind ?? null,
          filter.since ?? null,
        ],
      );
      return rows.map((row) => recordOf(AUDIT_EVENTS, row, 'postgres'));
    },
  };
}
