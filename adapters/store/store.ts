import type { ApiKeyRecord } from '../../core/access/api-key.ts';
import type { CaptureWatermark, FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import type { AuditEvent, CycleRecord, GateReportRecord } from '../../core/cycle/cycle-record.ts';
import type { DatasetItem, DatasetVersion, Split } from '../../core/datasets/dataset.ts';
import type { ServedWindowFigures } from '../../core/monitor/served-window.ts';
import type { AliasMove, AliasName, ModelVersion } from '../../core/registry/model-version.ts';
import type { ReviewItem } from '../../core/review/review-item.ts';
import type { ReviewerAccount } from '../../core/review/reviewer-account.ts';
import type { StepWindow } from '../../core/rollout/step-window.ts';

/**
 * The one store interface. Two implementations (embedded node:sqlite, PostgreSQL) pass one contract
 * suite (test/store-contract.ts). Every write that can be retried by an activity is idempotent.
 * Lists come oldest first unless said otherwise. Sequence numbers are committed in order: once a
 * reader sees `seq` n, no row with a smaller seq can appear later (watermarks never skip rows).
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
  readonly reviewers: ReviewerAccountRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly privacy: PrivacyRepository;
  readonly retention: RetentionRepository;
  /** The newest position of the capture stream of a model right now. */
  captureHead(model: string): Promise<CaptureWatermark>;
  close(): Promise<void>;
}

export type Sequenced<T> = T & { seq: number };

export interface PredictionRepository {
  /** Inserts a batch in one transaction; ids already present are skipped. */
  insertMany(rows: readonly PredictionRecord[]): Promise<void>;
  get(id: string): Promise<PredictionRecord | null>;
  /** These predictions with their positions, by position; ids not stored are left out. */
  getMany(ids: readonly string[]): Promise<Sequenced<PredictionRecord>[]>;
  /**
   * The shadow predictions of a model twinned with any of these served predictions, captured in
   * (afterSeq, upToSeq], by position: mining joins a page of served predictions to their twins wherever
   * in the capture the twins landed.
   */
  shadowsOf(
    model: string,
    servedIds: readonly string[],
    range: { afterSeq: number; upToSeq: number },
  ): Promise<Sequenced<PredictionRecord>[]>;
  /** Predictions of a model captured after `afterSeq`, oldest first. */
  listAfter(model: string, afterSeq: number, limit: number): Promise<Sequenced<PredictionRecord>[]>;
  /** Predictions of a model created in [from, to) (ms), optionally of one variant, by creation time. */
  listBetween(
    model: string,
    from: number,
    to: number,
    variant?: PredictionRecord['variant'],
  ): Promise<PredictionRecord[]>;
  count(model?: string): Promise<number>;
  /**
   * The figures core/rollout's summarizeStepWindow gives for the window's traffic of one rollout, computed
   * where the rows are (no text is read): champion arm = `champion` predictions of championVersion;
   * candidate arm = `canary` (canary mode) or `shadow` (shadow mode) predictions of candidateVersion.
   * Feedback counts when the model recorded it no earlier than ten minutes before `from` (see
   * step-window-queries.ts FEEDBACK_OF_WINDOW); the monitor's window counts the same feedback.
   */
  stepWindow(query: StepWindowQuery): Promise<StepWindow>;
  /**
   * The served (not shadow) traffic of one version of a model in [from, to) (ms), as the monitor
   * summarizes it, computed where the rows are (memory flat whatever the window holds; only the
   * sample's texts are read): see core/monitor/served-window.ts.
   */
  servedWindow(query: ServedWindowQuery): Promise<ServedWindowFigures>;
}

/** One monitor window of one model version; `sketchPoints` and `sampleSize` as the monitor's summary takes them. */
export interface ServedWindowQuery {
  model: string;
  version: string;
  from: number;
  to: number;
  sketchPoints: number;
  sampleSize: number;
}

/** One rollout step's window [from, to) (ms) of a model, between the rollout's two versions. */
export interface StepWindowQuery {
  model: string;
  from: number;
  to: number;
  mode: StepWindow['mode'];
  championVersion: string;
  candidateVersion: string;
}

export interface FeedbackRepository {
  /** Records feedback once per id; `inserted` is false when that id was already recorded. */
  insert(row: FeedbackRecord): Promise<{ inserted: boolean }>;
  insertMany(rows: readonly FeedbackRecord[]): Promise<void>;
  /** Feedback of a model recorded after `afterSeq`, oldest first. */
  listAfter(model: string, afterSeq: number, limit: number): Promise<Sequenced<FeedbackRecord>[]>;
  /** All feedback on these predictions, in the order it was recorded. */
  listForPredictions(predictionIds: readonly string[]): Promise<FeedbackRecord[]>;
  count(model?: string): Promise<number>;
}

export interface ReviewItemRepository {
  /** Inserts or replaces items by id. */
  upsertMany(items: readonly ReviewItem[]): Promise<void>;
  /** Items of a cycle in the order they were first inserted (a replaced item keeps its place). */
  listByCycle(cycleId: string): Promise<ReviewItem[]>;
  get(id: string): Promise<ReviewItem | null>;
}

export interface ReviewerAccountRepository {
  /** Creates the account, or replaces its password hash (the name and createdAt stay). */
  upsert(account: ReviewerAccount): Promise<void>;
  get(name: string): Promise<ReviewerAccount | null>;
  /** Every account, by name. */
  list(): Promise<ReviewerAccount[]>;
}

export interface DatasetRepository {
  /**
   * Creates an immutable version; a version with that id already present is left as it is.
   * `version.counts` must match the items. Texts are stored once per item id (an item id is the hash
   * of its text), so versions that share items do not repeat them.
   */
  create(version: DatasetVersion, items: readonly DatasetItem[]): Promise<{ created: boolean }>;
  get(id: string): Promise<DatasetVersion | null>;
  list(model: string): Promise<DatasetVersion[]>;
  /** The items of a version in the order they were given to `create`. */
  items(id: string, split?: Split): Promise<DatasetItem[]>;
}

export interface ModelRegistry {
  /** Registers a version; an id already present is left as it is. */
  register(version: ModelVersion): Promise<{ created: boolean }>;
  get(id: string): Promise<ModelVersion | null>;
  list(model: string): Promise<ModelVersion[]>;
  /** Names of the models that have at least one version, alphabetical. */
  models(): Promise<string[]>;
  /** Fails when the version is unknown. */
  setBlessing(versionId: string, reportId: string): Promise<void>;
  /**
   * Points an alias at a version of the same model (null clears it) and appends the move to its
   * history. A move to where the alias already points changes nothing and is not recorded, so a
   * retried move is harmless; the returned move then has previousVersionId === versionId.
   */
  moveAlias(move: Omit<AliasMove, 'previousVersionId'>): Promise<AliasMove>;
  alias(model: string, alias: AliasName): Promise<string | null>;
  /** Every recorded move of every alias of the model, oldest first. */
  aliasHistory(model: string): Promise<AliasMove[]>;
}

export interface CycleRepository {
  upsert(cycle: CycleRecord): Promise<void>;
  get(id: string): Promise<CycleRecord | null>;
  /** Cycles in the order they were first recorded. */
  list(model?: string): Promise<CycleRecord[]>;
  /** The watermark of the highest-numbered finished (not `running`) cycle of a model that recorded one. */
  lastWatermark(model: string): Promise<CaptureWatermark | null>;
}

export interface GateReportRepository {
  /** Saves a report; saving one with an id already present replaces it. */
  save(report: GateReportRecord): Promise<void>;
  get(id: string): Promise<GateReportRecord | null>;
  list(model: string): Promise<GateReportRecord[]>;
}

export interface AuditLog {
  /**
   * Appends an event. With an idempotency key, an event whose key was appended before is skipped
   * (`appended: false`): a retried activity passes the same key and never writes a second line.
   */
  append(event: AuditEvent, idempotencyKey?: string): Promise<{ appended: boolean }>;
  /** Events matching every given filter (`since`: at ≥ since), NEWEST first, at most `limit` (all when absent). */
  list(filter: {
    model?: string;
    cycleId?: string;
    kind?: string;
    since?: number;
    limit?: number;
  }): Promise<AuditEvent[]>;
}

export interface ApiKeyRepository {
  /** Stores a new key; an id already present is refused (ids are random: a clash means a bug). */
  create(key: ApiKeyRecord): Promise<void>;
  /** The key with this hash, revoked or not. */
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Every key, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no such key. Revoking twice keeps the first time. */
  revoke(id: string, at: number): Promise<boolean>;
}

/** What forgetting a user removed: counts and ids, never the data. */
export interface ForgetResult {
  predictions: number;
  feedback: number;
  reviewItems: number;
  /** Dataset items (content ids) that came from their predictions; later versions leave them out. */
  datasetItems: number;
  /** Existing (immutable) dataset versions that hold those items, oldest first. */
  datasetVersions: string[];
}

export interface PrivacyRepository {
  /**
   * In one transaction: deletes the user's predictions (and shadow predictions of them), all feedback
   * on them or by the user, the review items made from them, and marks the dataset items made from
   * them as forgotten. Forgetting again finds nothing new.
   */
  forgetUser(userKey: string, at: number): Promise<ForgetResult>;
  /** Which of these dataset item ids were forgotten. */
  forgottenAmong(itemIds: readonly string[]): Promise<Set<string>>;
}

/** Where a retention pass got to: the last prediction it examined, in (createdAt, seq) order. */
export interface RetentionCursor {
  createdAt: number;
  seq: number;
}

/** What one bounded retention batch did: counts, never the data. */
export interface RetentionBatch {
  /** Predictions deleted. */
  predictions: number;
  /** Feedback on those predictions, deleted with them. */
  feedback: number;
  /** Predictions past the cut-off kept because a dataset item or a review item references them. */
  kept: number;
  /** Pass it to the next call; null when nothing was examined yet. */
  cursor: RetentionCursor | null;
  /** True when the batch was full: more predictions past the cut-off may remain after the cursor. */
  more: boolean;
}

export interface RetentionRepository {
  /**
   * In one transaction, examines at most `batch` predictions of the model created before `cutoff` (ms),
   * after `after` in (createdAt, seq) order, and deletes those no dataset item or review item references,
   * with all feedback on them. Work per call is bounded by `batch`; calling again from the start deletes
   * nothing already deleted and nothing referenced.
   */
  deleteOlderThan(
    model: string,
    cutoff: number,
    options: { batch: number; after?: RetentionCursor | null },
  ): Promise<RetentionBatch>;
}
