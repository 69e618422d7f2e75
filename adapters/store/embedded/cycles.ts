import type { DatabaseSync } from 'node:sqlite';
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
  summary: string;
}

export function embeddedCycles(db: DatabaseSync): CycleRepository {
  const upsert = db.prepare(
    `INSERT INTO cycles (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       model = excluded.model, number = excluded.number, workflow_id = excluded.workflow_id,
       outcome = excluded.outcome, watermark_prediction_seq = excluded.watermark_prediction_seq,
       watermark_feedback_seq = excluded.watermark_feedback_seq, trigger = excluded.trigger,
       started_at = excluded.started_at, ended_at = excluded.ended_at, summary = excluded.summary`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM cycles WHERE id = ?`);
  const listAll = db.prepare(`SELECT ${COLUMNS} FROM cycles ORDER BY seq`);
  const listOfModel = db.prepare(`SELECT ${COLUMNS} FROM cycles WHERE model = ? ORDER BY seq`);
  const lastWatermark = db.prepare(
    `SELECT watermark_prediction_seq, watermark_feedback_seq FROM cycles
     WHERE model = ? AND outcome <> 'running' AND watermark_prediction_seq IS NOT NULL
     ORDER BY number DESC LIMIT 1`,
  );

  return {
    async upsert(cycle) {
      upsert.run(
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
      );
    },
    async get(id) {
      const row = get.get(id) as unknown as CycleRow | undefined;
      return row ? toCycle(row) : null;
    },
    async list(model) {
      const rows = model === undefined ? listAll.all() : listOfModel.all(model);
      return (rows as unknown as CycleRow[]).map(toCycle);
    },
    async lastWatermark(model) {
      const row = lastWatermark.get(model) as unknown as CycleRow | undefined;
      return row ? watermarkOf(row) : null;
    },
  };
}

function watermarkOf(row: Pick<CycleRow, 'watermark_prediction_seq' | 'watermark_feedback_seq'>) {
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
    summary: JSON.parse(row.summary),
  };
}
