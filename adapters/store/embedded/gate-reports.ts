import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { GATE_REPORTS } from '../record-tables.ts';
import type { GateReportRepository } from '../store.ts';
import {
  columnList,
  embeddedPlaceholders,
  recordOf,
  rowValues,
  updateFromExcluded,
} from '../table-mapping.ts';

const COLUMNS = columnList(GATE_REPORTS);

export function embeddedGateReports(db: DatabaseSync): GateReportRepository {
  const save = db.prepare(
    `INSERT INTO gate_reports (${COLUMNS}) VALUES ${embeddedPlaceholders(GATE_REPORTS)}
     ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(GATE_REPORTS)}`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM gate_reports WHERE id = ?`);
  const list = db.prepare(`SELECT ${COLUMNS} FROM gate_reports WHERE model = ? ORDER BY seq`);
  const toGateReport = (row: unknown) => recordOf(GATE_REPORTS, row as Record<string, unknown>, 'embedded');

  return {
    async save(report) {
      save.run(...(rowValues(GATE_REPORTS, report, 'embedded') as SQLInputValue[]));
    },
    async get(id) {
      const row = get.get(id);
      return row ? toGateReport(row) : null;
    },
    async list(model) {
      return list.all(model).map(toGateReport);
    },
  };
}
