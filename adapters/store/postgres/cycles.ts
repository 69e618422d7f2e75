import type pg from 'pg';
import { CYCLES, cycleOf, storedCycle, watermarkOf } from '../record-tables.ts';
import type { CycleRepository } from '../store.ts';
import {
  columnList,
  postgresPlaceholders,
  recordOf,
  rowValues,
  updateFromExcluded,
} from '../table-mapping.ts';

const COLUMNS = columnList(CYCLES);
const toCycle = (row: Record<string, unknown>) => cycleOf(recordOf(CYCLES, row, 'postgres'));

export function postgresCycles(pool: pg.Pool): CycleRepository {
  return {
    async upsert(cycle) {
      await pool.query(
        `INSERT INTO cycles (${COLUMNS}) VALUES ${postgresPlaceholders(CYCLES)}
         ON CONFLICT (id) DO UPDATE SET ${updateFromExcluded(CYCLES)}`,
        rowValues(CYCLES, storedCycle(cycle), 'postgres'),
      );
    },
    async get(id) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM cycles WHERE id = $1`, [id]);
      return rows[0] ? toCycle(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM cycles WHERE $1::text IS NULL OR model = $1 ORDER BY seq`,
        [model ?? null],
      );
      return rows.map(toCycle);
    },
    async lastWatermark(model) {
      const { rows } = await pool.query<{
        watermark_prediction_seq: number | null;
        watermark_feedback_seq: number | null;
      }>(
        `SELECT watermark_prediction_seq, watermark_feedback_seq FROM cycles
         WHERE model = $1 AND outcome <> 'running' AND watermark_prediction_seq IS NOT NULL
         ORDER BY number DESC LIMIT 1`,
        [model],
      );
      return rows[0] ? watermarkOf(rows[0].watermark_prediction_seq, rows[0].watermark_feedback_seq) : null;
    },
  };
}
