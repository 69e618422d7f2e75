import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import type { AuditEvent, CycleRecord, GateReportRecord } from '../../core/cycle/cycle-record.ts';
import type { DatasetItem, DatasetVersion } from '../../core/datasets/dataset.ts';
import type { ModelVersion } from '../../core/registry/model-version.ts';
import type { ReviewItem } from '../../core/review/review-item.ts';

/** Valid records with every field set, for store tests; override what a test is about. */

// A real millisecond timestamp: large enough to catch a column or parser that narrows to 32 bits.
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

export function aPrediction(overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id: 'p-1',
    model: 'spam',
    modelVersion: 'v1',
    variant: 'champion',
    text: 'Subject: cheap meds – ünïcode and "quotes"',
    label: 'spam',
    confidence: 0.875,
    scores: { spam: 0.875, ham: 0.125 },
    userKey: 'user-1',
    servedPredictionId: null,
    latencyMs: 1.25,
    metadata: { group: 'spam-1' },
    createdAt: T0,
    ...overrides,
  };
}

export function predictions(
  count: number,
  overrides: Partial<PredictionRecord> = {},
  prefix = 'p',
): PredictionRecord[] {
  return Array.from({ length: count }, (_, index) =>
    aPrediction({ id: `${prefix}-${index}`, createdAt: T0 + index, ...overrides }),
  );
}

export function aFeedback(overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    id: 'f-1',
    predictionId: 'p-1',
    model: 'spam',
    kind: 'label',
    label: 'ham',
    userKey: 'user-1',
    fromPredictionUser: true,
    createdAt: T0 + 1000,
    ...overrides,
  };
}

export function aReviewItem(overrides: Partial<ReviewItem> = {}): ReviewItem {
  return {
    id: 'r-1',
    cycleId: 'spam-cycle-1',
    model: 'spam',
    predictionId: 'p-1',
    text: 'is this spam?',
    proposedLabel: 'spam',
    reason: 'low-confidence',
    confidence: 0.51,
    status: 'pending',
    finalLabel: null,
    decidedBy: [],
    updatedAt: T0,
    ...overrides,
  };
}

export function aDatasetItem(overrides: Partial<DatasetItem> = {}): DatasetItem {
  return {
    id: 'item-1',
    text: 'hello there',
    label: 'ham',
    split: 'train',
    source: { kind: 'seed', by: 'easy-ham-1', cycle: null, batchId: null },
    group: 'easy-ham-1',
    predictionId: null,
    reason: null,
    ...overrides,
  };
}

export function aDatasetVersion(
  items: readonly DatasetItem[],
  overrides: Partial<DatasetVersion> = {},
): DatasetVersion {
  const counts = { train: 0, holdout: 0, golden: 0 };
  for (const item of items) counts[item.split] += 1;
  return {
    id: 'ds-1',
    model: 'spam',
    parentId: null,
    cycle: null,
    batchId: null,
    counts,
    createdAt: T0,
    ...overrides,
  };
}

export function aModelVersion(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: 'mv-1',
    model: 'spam',
    artifactSha256: 'a'.repeat(64),
    datasetId: 'ds-1',
    labels: ['ham', 'spam'],
    trainer: 'built-in',
    params: { epochs: 3, features: { ngrams: [1, 2] } },
    metrics: { accuracy: 0.97, f1: 0.95 },
    blessedBy: null,
    createdAt: T0,
    ...overrides,
  };
}

export function aCycle(overrides: Partial<CycleRecord> = {}): CycleRecord {
  return {
    id: 'spam-cycle-1',
    model: 'spam',
    number: 1,
    workflowId: 'cycle-spam-1',
    outcome: 'running',
    watermark: null,
    trigger: 'cli',
    startedAt: T0,
    endedAt: null,
    summary: { mined: 0 },
    ...overrides,
  };
}

export function aGateReport(overrides: Partial<GateReportRecord> = {}): GateReportRecord {
  return {
    id: 'report-1',
    model: 'spam',
    candidateVersion: 'mv-2',
    championVersion: 'mv-1',
    passed: true,
    reasons: ['accuracy +0.02 ≥ +0.00'],
    body: { slices: [{ group: 'spam-2', accuracy: 0.93 }], golden: { passed: 12, total: 12 } },
    createdAt: T0,
    ...overrides,
  };
}

export function anAuditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: T0,
    model: 'spam',
    cycleId: 'spam-cycle-1',
    kind: 'cycle.started',
    actor: 'system',
    details: { trigger: 'cli' },
    ...overrides,
  };
}
