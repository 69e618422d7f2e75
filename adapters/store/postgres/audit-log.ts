import type pg from 'pg';
import type { AuditEvent } from '../../../core/cycle/cycle-record.ts';
import type { AuditLog } from '../store.ts';

interface AuditEventRow {
  at: number;
  model: string;
  cycle_id: string | null;
  kind: string;
  actor: string;
  details: Record<string, unknown>;
}

export function postgresAuditLog(pool: pg.Pool): AuditLog {
  return {
    async append(event) {
      await pool.query(
        'INSERT INTO audit_events (at, model, cycle_id, kind, actor, details) VALUES ($1, $2, $3, $4, $5, $6)',
        [event.at, event.model, event.cycleId, event.kind, event.actor, JSON.stringify(event.details)],
      );
    },
    async list(filter) {
      // LIMIT NULL is PostgreSQL for "no limit".
      const { rows } = await pool.query<AuditEventRow>(
        `SELECT at, model, cycle_id, kind, actor, details FROM audit_events
         WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR cycle_id = $2)
         ORDER BY seq DESC LIMIT $3`,
        [filter.model ?? null, filter.cycleId ?? null, filter.limit ?? null],
      );
      return rows.map(
        (row): AuditEvent => ({
          at: row.at,
          model: row.model,
          cycleId: row.cycle_id,
          kind: row.kind,
          actor: row.actor,
          details: row.details,
        }),
      );
    },
  };
}
