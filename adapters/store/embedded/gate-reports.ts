import type { DatabaseSync } from 'node:sqlite';
import type { GateReportRecord } from '../../../core/cycle/cycle-record.ts';
import type { GateReportRepository } from '../store.ts';

const COLUMNS = 'id, model, candidate_version, champion_version, passed, reasons, body, created_at';

interface GateReportRow {
  id: string;
  model: string;
  candidate_version: string;
  champion_version: string | null;
  passed: number;
  reasons: string;
  body: string;
  created_at: number;
}

export function embeddedGateReports(db: DatabaseSync): GateReportRepository {
  const save = db.prepare(
    `INSERT INTO gate_reports (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       model = excluded.model, candidate_version = excluded.candidate_version,
       champion_version = excluded.champion_version, passed = excluded.passed,
       reasons = excluded.reasons, body = excluded.body, created_at = excluded.created_at`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM gate_reports WHERE id = ?`);
  const list = db.prepare(`SELECT ${COLUMNS} FROM gate_reports WHERE model = ? ORDER BY seq`);

  return {
    async save(report) {
      save.run(
        report.id,
        report.model,
        report.candidateVersion,
        report.championVersion,
        report.passed ? 1 : 0,
        JSON.stringify(report.reasons),
        JSON.stringify(report.body),
        report.createdAt,
      );
    },
    async get(id) {
      const row = get.get(id) as unknown as GateReportRow | undefined;
      return row ? toGateReport(row) : null;
    },
    async list(model) {
      return (list.all(model) as unknown as GateReportRow[]).map(toGateReport);
    },
  };
}

function toGateReport(row: GateReportRow): GateReportRecord {
  return {
    id: row.id,
    model: row.model,
    candidateVersion: row.candidate_version,
    championVersion: row.champion_version,
    passed: row.passed === 1,
    reasons: JSON.parse(row.reasons),
    body: JSON.parse(row.body),
    createdAt: row.created_at,
  };
}
