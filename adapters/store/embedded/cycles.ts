import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { CYCLES, cycleOf, storedCycle, watermarkOf } from '../record-tables.ts';
import type { CycleRepository } from '../store.ts';
import {
  columnList,
  embeddedPlaceholders,
  recordOf,
  rowValues,
  updateFromExcluded,
} from '../table-mapping.ts';

const COLUMNS = columnList(CYCLES);

export function embeddedCycles(db: DatabaseSync): CycleRepository {
  const upsert = db.prepare(
    `INSERT INTO cycles (${COLUMNS}) VALUES ${embeddedPlaceholders(CYCLES)}
     ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(CYCLES)}`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM cycles WHERE id = ?`);
  const listAll = db.prepare(`SELECT ${COLUMNS} FROM cycles ORDER BY seq`);
  const listOfModel = db.prepare(`SELECT ${COLUMNS} FROM cycles WHERE model = ? ORDER BY seq`);
  const lastWatermark = db.prepare(
    `SELECT watermark_prediction_seq, watermark_feedback_seq FROM cycles
     WHERE model = ? AND outcome <> 'running' AND watermark_prediction_seq IS NOT NULL
     ORDER BY number DESC LIMIT 1`,
  );
  const toCycle = (row: unknown) => cycleOf(recordOf(CYCLES, row as Record<string, unknown>, 'embedded'));

  return {
    async upsert(cycle) {
      upsert.run(...(rowValues(CYCLES, storedCycle(cycle), 'embedded') as SQLInputValue[]));
    },
    async get(id) {
      const row = get.get(id);
      return row ? toCycle(row) : null;
    },
    async list(model) {
      return (model === undefined ? listAll.all() : listOfModel.all(model)).map(toCycle);
    },
    async lastWatermark(model) {
      const row = lastWatermark.get(model) as
        | { watermark_prediction_seq: number | null; watermark_feedback_seq: number | null }
        | undefined;
      return row ? watermarkOf(row.watermark_prediction_seq, row.watermark_feedback_seq) : null;
    },
  };
}
