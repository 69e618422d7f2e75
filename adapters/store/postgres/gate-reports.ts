import type pg from 'pg';
import { GATE_REPORTS } from '../record-tables.ts';
import type { GateReportRepository } from '../store.ts';
import {
  columnList,
  postgresPlaceholders,
  recordOf,
  rowValues,
  updateFromExcluded,
} from '../table-mapping.ts';

const COLUMNS = columnList(GATE_REPORTS);
const toGateReport = (row: Record<string, unknown>) => recordOf(GATE_REPORTS, row, 'postgres');

export function postgresGateReports(pool: pg.Pool): GateReportRepository {
  return {
    async save(report) {
      await pool.query(
        `INSERT INTO gate_reports (${COLUMNS}) VALUES ${postgresPlaceholders(GATE_REPORTS)}
         ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(GATE_REPORTS)}`,
        rowValues(GATE_REPORTS, report, 'postgres'),
      );
    },
    async get(id) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM gate_reports WHERE id = $1`, [id]);
      return rows[0] ? toGateReport(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM gate_reports WHERE model = $1 ORDER BY seq`, [
        model,
      ]);
      return rows.map(toGateReport);
    },
  };
}
