import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AuditEvent } from '../../../core/cycle/cycle-record.ts';
import type { AuditLog } from '../store.ts';

interface AuditEventRow {
  at: number;
  model: string;
  cycle_id: string | null;
  kind: string;
  actor: string;
  details: string;
}

export function embeddedAuditLog(db: DatabaseSync): AuditLog {
  const append = db.prepare(
    'INSERT INTO audit_events (at, model, cycle_id, kind, actor, details) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return {
    async append(event) {
      append.run(
        event.at,
        event.model,
        event.cycleId,
        event.kind,
        event.actor,
        JSON.stringify(event.details),
      );
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
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      // LIMIT -1 is SQLite for "no limit".
      params.push(filter.limit ?? -1);
      const rows = db
        .prepare(
          `SELECT at, model, cycle_id, kind, actor, details FROM audit_events ${where} ORDER BY seq DESC LIMIT ?`,
        )
        .all(...params) as unknown as AuditEventRow[];
      return rows.map(toAuditEvent);
    },
  };
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    at: row.at,
    model: row.model,
    cycleId: row.cycle_id,
    kind: row.kind,
    actor: row.actor,
    details: JSON.parse(row.details),
  };
}
