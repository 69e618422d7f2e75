import type { AuditEvent, GateReportRecord } from '../../core/cycle/cycle-record.ts';
import type { TableMapping } from './table-mapping.ts';

/** The gate's reports on candidates. */
export const GATE_REPORTS: TableMapping<GateReportRecord> = {
  table: 'gate_reports',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'candidate_version', field: 'candidateVersion', kind: 'text' },
    { column: 'champion_version', field: 'championVersion', kind: 'text' },
    { column: 'passed', field: 'passed', kind: 'boolean' },
    { column: 'reasons', field: 'reasons', kind: 'json' },
    { column: 'body', field: 'body', kind: 'json' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
  ],
};

/** The audit trail: who did what to which model and cycle. */
export const AUDIT_EVENTS: TableMapping<AuditEvent> = {
  table: 'audit_events',
  columns: [
    { column: 'at', field: 'at', kind: 'integer' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'cycle_id', field: 'cycleId', kind: 'text' },
    { column: 'kind', field: 'kind', kind: 'text' },
    { column: 'actor', field: 'actor', kind: 'text' },
    { column: 'details', field: 'details', kind: 'json' },
  ],
};
