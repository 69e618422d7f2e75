import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { AUDIT_EVENTS } from '../record-tables.ts';
import type { AuditLog } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(AUDIT_EVENTS);

export function embeddedAuditLog(db: DatabaseSync): AuditLog {
  // Placeholders for the event's columns, then one for the key.
  const append = db.prepare(
    `INSERT INTO audit_events (${COLUMNS}, idempotency_key)
     VALUES (${embeddedPlaceholders(AUDIT_EVENTS).slice(1, -1)}, ?)
     ON CONFLICT (idempotency_key) DO NOTHING`,
  );

  return {
    async append(event, idempotencyKey) {
      const values = rowValues(AUDIT_EVENTS, event, 'embedded') as SQLInputValue[];
      const { changes } = append.run(...values, idempotencyKey ?? null);
      return { appended: Number(changes) === 1 };
    },
    async list(filter) {
      const conditions: string[] = [];
      const params: SQLInputValue[] = [];
      if (filter.model !== undefined) {
        conditions.push('model = ?');
        params.push(filter.model);
      }
      if (filter.cycleId !== undefined) {
        conditions.push('cycle_id = ?');
        params.push(filter.cycleId);
      }
      if (filter.kind !== undefined) {
        conditions.push('kind = ?');
        params.push(filter.kind);
      }
      if (filter.since !== undefined) {
        conditions.push('at >= ?');
        params.push(filter.since);
      }
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      // LIMIT -1 is SQLite for "no limit".
      params.push(filter.limit ?? -1);
      const rows = db
        .prepare(`SELECT ${COLUMNS} FROM audit_events ${where} ORDER BY seq DESC LIMIT ?`)
        .all(...params);
      return rows.map((row) => recordOf(AUDIT_EVENTS, row, 'embedded'));
    },
  };
}
