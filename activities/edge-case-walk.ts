import type { FlywheelStore } from '../adapters/store/store.ts';
import type { CaptureWatermark, PredictionRecord } from '../core/capture/records.ts';
import {
  EdgeCaseStream,
  type EdgeCaseStreamState,
  type ServedEvidence,
  type StreamedBatch,
  servedEvidence,
} from '../core/mining/edge-case-stream.ts';
import type { MiningSettings } from '../core/mining/mine-edge-cases.ts';
import type { VocabularyMeters } from './vocabulary-meters.ts';

/** Rows read per page: their texts are the largest thing in memory besides the kept candidates. */
export const WALK_PAGE = 1_000;
/** At most one progress report per this many ms by default: the state is cloned and serialised for each. */
const PROGRESS_EVERY_MS = 1_000;
/**
 * Candidates kept while walking (EdgeCaseStream's capacity): many times what a batch takes under the
 * default caps (150 for review, 100 per class), and about 5 KB each with its text.
 */
export const KEPT_CANDIDATES = 5_000;

/**
 * Where a walk got to, as heartbeat details: the capture range it mines, the positions it read up to,
 * the predictions outside the range it already mined through late feedback, and the stream's state.
 */
export interface CaptureWalkProgress {
  to: CaptureWatermark;
  predictionCursor: number;
  feedbackCursor: number;
  /**
   * Ids of predictions outside the range mined because feedback in the range is about them: only
   * feedback arriving after the next cycle started adds here, so it stays small.
   */
  outside: string[];
  stream: EdgeCaseStreamState;
}

/**
 * The walk progress in an attempt's heartbeat details, or undefined: details of another shape (an
 * attempt started by an earlier release heartbeated only a count) mean starting over.
 */
export function walkProgressIn(details: unknown): CaptureWalkProgress | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const progress = details as Partial<CaptureWalkProgress>;
  const complete =
    typeof progress.predictionCursor === 'number' &&
    typeof progress.feedbackCursor === 'number' &&
    Array.isArray(progress.outside) &&
    typeof progress.to?.predictionSeq === 'number' &&
    Array.isArray(progress.stream?.kept);
  return complete ? (details as CaptureWalkProgress) : undefined;
}

export interface CaptureWalk {
  model: string;
  from: CaptureWatermark;
  to: CaptureWatermark;
  labels: readonly string[];
  knownItemIds?: readonly string[];
  settings: MiningSettings;
  /**
   * Also walk the feedback recorded in the range, to mine the predictions before the range it is
   * about (what a cycle does); without it only feedback on the range's own predictions counts.
   */
  lateFeedback: boolean;
  pageSize?: number;
  capacity?: number;
  /**
   * Stop reading predictions once at least this many rows were read (a bound on time, not memory): the
   * batch is then of the range's beginning, and `complete` is false.
   */
  rowLimit?: number;
  resumeFrom?: CaptureWalkProgress;
  /** Called after a page with where the walk got to (a heartbeat), at most once per `progressEveryMs`. */
  onProgress?: (progress: CaptureWalkProgress) => void;
  /** 1 s by default; 0 reports after every page. */
  progressEveryMs?: number;
  signal?: AbortSignal;
}

/**
 * Mines the capture of a model in (from, to] page by page in bounded memory (core's EdgeCaseStream):
 * first the predictions by position, each page joined to its feedback and its shadow twins; then,
 * with `lateFeedback`, the feedback in the range, for the predictions before the range it is about.
 * Resumes from `resumeFrom`: the kept candidates are read again by id and the walk goes on from there.
 */
export async function walkCapture(
  deps: { store: FlywheelStore; meters: VocabularyMeters },
  walk: CaptureWalk,
): Promise<StreamedBatch & { complete: boolean }> {
  const { store } = deps;
  const pageSize = walk.pageSize ?? WALK_PAGE;
  const stream = new EdgeCaseStream(
    { labels: walk.labels, ...(walk.knownItemIds ? { knownItemIds: walk.knownItemIds } : {}) },
    walk.settings,
    {
      capacity: walk.capacity ?? KEPT_CANDIDATES,
      ...(walk.resumeFrom ? { resumeFrom: walk.resumeFrom.stream } : {}),
    },
  );
  const measureOov = walk.settings.mining.reasons.includes('drifted-input');
  const range = { afterSeq: walk.from.predictionSeq, upToSeq: walk.to.predictionSeq };
  /** Joins rows to their feedback and shadow twins in the range, as mineEdgeCases joins its lists. */
  const evidenceOf = async (rows: readonly PredictionRecord[]) => {
    const served = rows.filter((row) => row.variant !== 'shadow');
    const servedIds = served.map((row) => row.id);
    return servedEvidence({
      predictions: rows,
      shadows: await store.predictions.shadowsOf(walk.model, servedIds, range),
      feedback: await store.feedback.listForPredictions(rows.map((row) => row.id)),
      ...(measureOov ? { oovRates: await deps.meters.rates(served) } : {}),
    });
  };
  const scan = async (rows: readonly PredictionRecord[]) => {
    const { evidence, unmatchedFeedback } = await evidenceOf(rows);
    for (const one of evidence) stream.scan(one);
    stream.countUnmatchedFeedback(unmatchedFeedback);
  };

  let predictionCursor = walk.resumeFrom?.predictionCursor ?? walk.from.predictionSeq;
  let feedbackCursor = walk.resumeFrom?.feedbackCursor ?? walk.from.feedbackSeq;
  const outside = new Set(walk.resumeFrom?.outside ?? []);
  let reportedAt = Number.NEGATIVE_INFINITY;
  const report = () => {
    if (!walk.onProgress || Date.now() - reportedAt < (walk.progressEveryMs ?? PROGRESS_EVERY_MS)) return;
    reportedAt = Date.now();
    walk.onProgress(progress());
  };
  const progress = (): CaptureWalkProgress => ({
    to: walk.to,
    predictionCursor,
    feedbackCursor,
    outside: [...outside],
    stream: stream.state(),
  });

  if (walk.resumeFrom) {
    for (let start = 0; start < walk.resumeFrom.stream.kept.length; start += pageSize) {
      const ids = walk.resumeFrom.stream.kept.slice(start, start + pageSize);
      const { evidence } = await evidenceOf(await store.predictions.getMany(ids));
      for (const one of evidence as ServedEvidence[]) stream.restore(one);
    }
  }

  let rowsRead = 0;
  let complete = true;
  while (predictionCursor < walk.to.predictionSeq) {
    walk.signal?.throwIfAborted();
    if (walk.rowLimit !== undefined && rowsRead >= walk.rowLimit) {
      complete = false;
      break;
    }
    const page = await store.predictions.listAfter(walk.model, predictionCursor, pageSize);
    const rows = page.filter((row) => row.seq <= walk.to.predictionSeq);
    if (rows.length > 0) await scan(rows);
    rowsRead += rows.length;
    predictionCursor =
      page.length < pageSize || rows.length < page.length ? walk.to.predictionSeq : page.at(-1)!.seq;
    report();
  }

  while (walk.lateFeedback && feedbackCursor < walk.to.feedbackSeq) {
    walk.signal?.throwIfAborted();
    const page = await store.feedback.listAfter(walk.model, feedbackCursor, pageSize);
    const rows = page.filter((row) => row.seq <= walk.to.feedbackSeq);
    const aboutIds = [...new Set(rows.map((row) => row.predictionId))].filter((id) => !outside.has(id));
    const about = await store.predictions.getMany(aboutIds);
    const found = new Set(about.map((row) => row.id));
    // Feedback on a prediction the store no longer holds (deleted by retention or a user's erasure).
    stream.countUnmatchedFeedback(
      rows.filter((row) => !found.has(row.predictionId) && !outside.has(row.predictionId)).length,
    );
    const before = about.filter((row) => row.seq <= range.afterSeq || row.seq > range.upToSeq);
    for (const row of before) outside.add(row.id);
    if (before.length > 0) await scan(before);
    feedbackCursor =
      page.length < pageSize || rows.length < page.length ? walk.to.feedbackSeq : page.at(-1)!.seq;
    report();
  }

  return { ...stream.finish(), complete };
}
