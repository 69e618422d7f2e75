import type pg from 'pg';
import type { GateReportRecord } from '../../../core/cycle/cycle-record.ts';
import type { GateReportRepository } from '../store.ts';

const COLUMNS = 'id, model, candidate_version, champion_version, passed, reasons, body, created_at';

interface GateReportRow {
  id: string;
  model: string;
  candidate_version: string;
  champion_version: string | null;
  passed: boolean;
  reasons: string[];
  body: Record<string, unknown>;
  created_at: number;
}

export function postgresGateReports(pool: pg.Pool): GateReportRepository {
  return {
    async save(report) {
      await pool.query(
        `INSERT INTO gate_reports (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET
           model = excluded.model, candidate_version = excluded.candidate_version,
           champion_version = excluded.champion_version, passed = excluded.passed,
           reasons = excluded.reasons, body = excluded.body, created_at = excluded.created_at`,
        [
          report.id,
          report.model,
          report.candidateVersion,
          report.championVersion,
          report.passed,
          JSON.stringify(report.reasons),
          JSON.stringify(report.body),
          report.createdAt,
        ],
      );
    },
    async get(id) {
      const { rows } = await pool.query<GateReportRow>(`SELECT ${COLUMNS} FROM gate_reports WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toGateReport(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query<GateReportRow>(
        `SELECT ${COLUMNS} FROM gate_reports WHERE model = $1 ORDER BY seq`,
        [model],
      );
      return rows.map(toGateReport);
    },
  };
}

function toGateReport(row: GateReportRow): GateReportRecord {
  return {
    id: row.id,
    model: row.model,
    candidateVersion: row.candidate_version,
    championVersion: row.champion_version,
    passed: row.passed,
    reasons: row.reasons,
    body: row.body,
    createdAt: row.created_at,
  };
}
