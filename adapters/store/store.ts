import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import type { AuditEvent, CycleRecord, GateReportRecord } from '../../core/cycle/cycle-record.ts';
import type { DatasetItem, DatasetVersion, Split } from '../../core/datasets/dataset.ts';
import type { AliasMove, AliasName, ModelVersion } from '../../core/registry/model-version.ts';
import type { ReviewItem } from '../../core/review/review-item.ts';

/**
 * The one store interface. Two implementations (embedded node:sqlite, PostgreSQL) pass one contract
 * suite (test/store-contract.ts). Every write that can be retried by an activity is idempotent.
 */
export interface FlywheelStore {
  readonly kind: 'embedded' | 'postgres';
  readonly predictions: PredictionRepository;
  readonly feedback: FeedbackRepository;
  readonly reviewItems: ReviewItemRepository;
  readonly datasets: DatasetRepository;
  readonly models: ModelRegistry;
  readonly cycles: CycleRepository;
  readonly reports: GateReportRepository;
  readonly audit: AuditLog;
  /** The newest position of the capture stream of a model right now. */
  captureHead(model: string): Promise<CaptureWatermark>;
  close(): Promise<void>;
}

export type Sequenced<T> = T & { seq: number };

export interface PredictionRepository {
  /** Inserts a batch in one transaction; ids already present are skipped. */
  insertMany(rows: readonly PredictionRecord[]): Promise<void>;
  get(id: string): Promise<PredictionRecord | null>;
  /** Predictions of a model captured after `afterSeq`, oldest first. */
  listAfter(model: string, afterSeq: number, limit: number): Promise<Sequenced<PredictionRecord>[]>;
  /** Predictions of a model created in [from, to) (ms), optionally of one variant. */
  listBetween(
    model: string,
    from: number,
    to: number,
    variant?: PredictionRecord['variant'],
  ): Promise<PredictionRecord[]>;
  count(model?: string): Promise<number>;
}

export interface FeedbackRepository {
  /** Records feedback once per id; `inserted` is false when that id was already recorded. */
  insert(row: FeedbackRecord): Promise<{ inserted: boolean }>;
  insertMany(rows: readonly FeedbackRecord[]): Promise<void>;
  listAfter(model: string, afterSeq: number, limit: number): Promise<Sequenced<FeedbackRecord>[]>;
  listForPredictions(predictionIds: readonly string[]): Promise<FeedbackRecord[]>;
  count(model?: string): Promise<number>;
}

export interface ReviewItemRepository {
  /** Inserts or replaces items by id. */
  upsertMany(items: readonly ReviewItem[]): Promise<void>;
  listByCycle(cycleId: string): Promise<ReviewItem[]>;
  get(id: string): Promise<ReviewItem | null>;
}

export interface DatasetRepository {
  /** Creates an immutable version; a version with that id already present is left as it is. */
  create(version: DatasetVersion, items: readonly DatasetItem[]): Promise<{ created: boolean }>;
  get(id: string): Promise<DatasetVersion | null>;
  list(model: string): Promise<DatasetVersion[]>;
  items(id: string, split?: Split): Promise<DatasetItem[]>;
}

export interface ModelRegistry {
  /** Registers a version; an id already present is left as it is. */
  register(version: ModelVersion): Promise<{ created: boolean }>;
  get(id: string): Promise<ModelVersion | null>;
  list(model: string): Promise<ModelVersion[]>;
  /** Names of the models that have at least one version. */
  models(): Promise<string[]>;
  setBlessing(versionId: string, reportId: string): Promise<void>;
  /** Points an alias at a version (null clears it) and appends the move to its history. */
  moveAlias(move: Omit<AliasMove, 'previousVersionId'>): Promise<AliasMove>;
  alias(model: string, alias: AliasName): Promise<string | null>;
  aliasHistory(model: string): Promise<AliasMove[]>;
}

export interface CycleRepository {
  upsert(cycle: CycleRecord): Promise<void>;
  get(id: string): Promise<CycleRecord | null>;
  list(model?: string): Promise<CycleRecord[]>;
  /** The most recent finished cycle of a model that recorded a watermark. */
  lastWatermark(model: string): Promise<CaptureWatermark | null>;
}

export interface GateReportRepository {
  save(report: GateReportRecord): Promise<void>;
  get(id: string): Promise<GateReportRecord | null>;
  list(model: string): Promise<GateReportRecord[]>;
}

export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  list(filter: { model?: string; cycleId?: string; limit?: number }): Promise<AuditEvent[]>;
}
