import { z } from 'zod';
import { CaptureWatermark } from '../capture/records.ts';
import { ModelName } from '../model-name.ts';

/** How a cycle ended; `running` while it has not. */
export const CycleOutcome = z.enum([
  'running',
  'promoted',
  'blessed',
  'rejected',
  'rolled-back',
  'review-timeout',
  'nothing-to-learn',
  'over-budget',
  'failed',
  'cancelled',
]);
export type CycleOutcome = z.infer<typeof CycleOutcome>;

export const CycleRecord = z.object({
  id: z.string().min(1),
  model: ModelName,
  number: z.number().int().min(1),
  workflowId: z.string().min(1),
  outcome: CycleOutcome,
  /** Capture position the cycle mined up to; the next cycle starts after it. */
  watermark: CaptureWatermark.nullable(),
  trigger: z.string(),
  startedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
  summary: z.record(z.string(), z.unknown()),
});
export type CycleRecord = z.infer<typeof CycleRecord>;

/** One line of the audit trail: who did what, when, to which model. */
export const AuditEvent = z.object({
  at: z.number().int(),
  model: ModelName,
  cycleId: z.string().nullable(),
  kind: z.string().min(1),
  actor: z.string().min(1),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** A persisted gate evaluation. `body` holds the full figures; the top fields are what lists show. */
export const GateReportRecord = z.object({
  id: z.string().min(1),
  model: ModelName,
  candidateVersion: z.string().min(1),
  championVersion: z.string().nullable(),
  passed: z.boolean(),
  reasons: z.array(z.string()),
  body: z.record(z.string(), z.unknown()),
  createdAt: z.number().int(),
});
export type GateReportRecord = z.infer<typeof GateReportRecord>;
