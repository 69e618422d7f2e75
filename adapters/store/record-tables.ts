import type { CaptureWatermark } from '../../core/capture/records.ts';
import type { AuditEvent, CycleRecord, GateReportRecord } from '../../core/cycle/cycle-record.ts';
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

/** A cycle as its row holds it: the watermark spread over two columns (null when none was recorded). */
export type StoredCycle = Omit<CycleRecord, 'watermark'> & {
  watermarkPredictionSeq: number | null;
  watermarkFeedbackSeq: number | null;
};

/** The cycles run, with where each read the capture stream up to. */
export const CYCLES: TableMapping<StoredCycle> = {
  table: 'cycles',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'number', field: 'number', kind: 'integer' },
    { column: 'workflow_id', field: 'workflowId', kind: 'text' },
    { column: 'outcome', field: 'outcome', kind: 'text' },
    { column: 'watermark_prediction_seq', field: 'watermarkPredictionSeq', kind: 'integer' },
    { column: 'watermark_feedback_seq', field: 'watermarkFeedbackSeq', kind: 'integer' },
    { column: 'trigger', field: 'trigger', kind: 'text' },
    { column: 'started_at', field: 'startedAt', kind: 'integer' },
    { column: 'ended_at', field: 'endedAt', kind: 'integer' },
    { column: 'summary', field: 'summary', kind: 'json' },
  ],
};

export function storedCycle({ watermark, ...cycle }: CycleRecord): StoredCycle {
  return {
    ...cycle,
    watermarkPredictionSeq: watermark?.predictionSeq ?? null,
    watermarkFeedbackSeq: watermark?.feedbackSeq ?? null,
  };
}

export function cycleOf({
  watermarkPredictionSeq,
  watermarkFeedbackSeq,
  ...cycle
}: StoredCycle): CycleRecord {
  return { ...cycle, watermark: watermarkOf(watermarkPredictionSeq, watermarkFeedbackSeq) };
}

export function watermarkOf(
  predictionSeq: number | null,
  feedbackSeq: number | null,
): CaptureWatermark | null {
  return predictionSeq === null ? null : { predictionSeq, feedbackSeq: feedbackSeq ?? 0 };
}
