import type pg from 'pg';
import type { CaptureWatermark } from '../../../core/capture/records.ts';
import type { CycleRecord } from '../../../core/cycle/cycle-record.ts';
import type { CycleRepository } from '../store.ts';

const COLUMNS =
  'id, model, number, workflow_id, outcome, watermark_prediction_seq, watermark_feedback_seq, trigger, started_at, ended_at, summary';

interface CycleRow {
  id: string;
  model: string;
  number: number;
  workflow_id: string;
  outcome: CycleRecord['outcome'];
  watermark_prediction_seq: number | null;
  watermark_feedback_seq: number | null;
  trigger: string;
  started_at: number;
  ended_at: number | null;
  summary: Record<string, unknown>;
}

export function postgresCycles(pool: pg.Pool): CycleRepository {
  return {
    async upsert(cycle) {
      await pool.query(
        `INSERT INTO cycles (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET
           model = excluded.model, number = excluded.number, workflow_id = excluded.workflow_id,
           outcome = excluded.outcome, watermark_prediction_seq = excluded.watermark_prediction_seq,
           watermark_feedback_seq = excluded.watermark_feedback_seq, trigger = excluded.trigger,
           started_at = excluded.started_at, ended_at = excluded.ended_at, summary = excluded.summary`,
        [
          cycle.id,
          cycle.model,
          cycle.number,
          cycle.workflowId,
          cycle.outcome,
          cycle.watermark?.predictionSeq ?? null,
          cycle.watermark?.feedbackSeq ?? null,
          cycle.trigger,
          cycle.startedAt,
          cycle.endedAt,
          JSON.stringify(cycle.summary),
        ],
      );
    },
    async get(id) {
      const { rows } = await pool.query<CycleRow>(`SELECT ${COLUMNS} FROM cycles WHERE id = $1`, [id]);
      return rows[0] ? toCycle(rows[0]) : null;
    },
    async list(model) {
      const { rows } = await pool.query<CycleRow>(
        `SELECT ${COLUMNS} FROM cycles WHERE $1::text IS NULL OR model = $1 ORDER BY seq`,
        [model ?? null],
      );
      return rows.map(toCycle);
    },
    async lastWatermark(model) {
      const { rows } = await pool.query<CycleRow>(
        `SELECT watermark_prediction_seq, watermark_feedback_seq FROM cycles
         WHERE model = $1 AND outcome <> 'running' AND watermark_prediction_seq IS NOT NULL
         ORDER BY number DESC LIMIT 1`,
        [model],
      );
      return rows[0] ? watermarkOf(rows[0]) : null;
    },
  };
}

function watermarkOf(
  row: Pick<CycleRow, 'watermark_prediction_seq' | 'watermark_feedback_seq'>,
): CaptureWatermark | null {
  return row.watermark_prediction_seq === null
    ? null
    : { predictionSeq: row.watermark_prediction_seq, feedbackSeq: row.watermark_feedback_seq ?? 0 };
}

function toCycle(row: CycleRow): CycleRecord {
  return {
    id: row.id,
    model: row.model,
    number: row.number,
    workflowId: row.workflow_id,
    outcome: row.outcome,
    watermark: watermarkOf(row),
    trigger: row.trigger,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    summary: row.summary,
  };
}
