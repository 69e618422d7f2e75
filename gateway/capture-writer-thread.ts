/**
 * Entry of the capture writer thread (see threaded-capture.ts): opens its own connection to the store,
 * takes batches of predictions from the ring the event loop fills, writes each one (retrying a failed
 * write a bounded number of times) and releases it from the ring once the store has it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreConfig } from '../adapters/store/open-store.ts';
import { isStoreUnavailable } from '../adapters/store/store-unavailable.ts';
import { type RedactionPolicy, TextRedaction } from '../core/privacy/redaction-policy.ts';
import { type RetryPace, type WriteFailure, writeBatchWithRetries } from './batch-retries.ts';
import { CaptureRing, type RingBatch, type SharedRing } from './capture-ring.ts';
import { type RedactionCounts, redactingPredictions } from './redacting-predictions.ts';
import { lowerThreadPriority, type WriterScheduling } from './writer-scheduling.ts';

/** How the thread paces its writes. */
export interface WriterPace extends RetryPace {
  batchSize: number;
  /** Most text (bytes in the ring) in one store call, unless one prediction alone is more. */
  maxBatchBytes: number;
  /** How often the thread looks at the ring for predictions. */
  pollIntervalMs: number;
  /** A partial batch waits at most this long. */
  flushIntervalMs: number;
}

export interface WriterSetup {
  store: StoreConfig;
  ring: SharedRing;
  pace: WriterPace;
  scheduling: WriterScheduling;
  /** Redacted here, not on the event loop: a regex pass over every text would slow each request. */
  redaction: RedactionPolicy;
}

export type WriterRequest = { type: 'flush'; id: number } | { type: 'close' };
export type WriterReport =
  | { type: 'flushed'; id: number }
  /** The store stopped answering (`away`), or answers again: capture holds what arrives meanwhile. */
  | { type: 'store'; away: boolean }
  | {
      type: 'log';
      level: WriteFailure['level'];
      message: string;
      rows: number;
      attempt: number;
      error: string;
    };

const { store: storeConfig, ring: shared, pace, scheduling, redaction } = workerData as WriterSetup;
const port = parentPort!;
// The thread writes meanwhile: its first batch can wait for a scheduling change, no prediction should.
void lowerThreadPriority(scheduling).then((problems) => {
  for (const { message, error } of problems) {
    report(
      { level: 'warn', message: `capture writer: ${message}; it runs as its parent does`, attempt: 0, error },
      0,
    );
  }
});
const ring = new CaptureRing(shared);
/** Rows this thread has released (written or dropped). */
let released = 0;
/** Flush requests: answered once `released` reaches what was queued when each arrived. */
const flushes: Array<{ id: number; target: number }> = [];
let closing = false;
/**
 * While the store is unreachable the batch waits, tried again at least this often, and the ring and the
 * event loop's queue hold what arrives (overflowing, counted, only if the outage outlasts them). On close
 * the wait ends: the batch gets its bounded attempts, then is dropped and counted.
 */
const OUTAGE_MAX_DELAY_MS = 1_000;
const outage = {
  waitFor: (error: unknown) => !closing && isStoreUnavailable(error),
  maxDelayMs: OUTAGE_MAX_DELAY_MS,
  onStoreAway: (away: boolean) => port.postMessage({ type: 'store', away } satisfies WriterReport),
};

/** Ends the current pause early; set while the thread pauses. */
let wakeUp: (() => void) | null = null;

port.on('message', (request: WriterRequest) => {
  if (request.type === 'flush') flushes.push({ id: request.id, target: released + ring.queued });
  else closing = true;
  wakeUp?.();
});

const store = await openWhenReachable(storeConfig);
const redactionCounts: RedactionCounts = { redactedTexts: 0, withheld: 0, dropped: 0 };
const predictions = redactingPredictions(store.predictions, new TextRedaction(redaction), redactionCounts);
let lastWrite = performance.now();
for (;;) {
  while (
    ring.queued >= pace.batchSize ||
    (ring.queued > 0 &&
      (closing || flushes.length > 0 || performance.now() - lastWrite >= pace.flushIntervalMs))
  ) {
    await writeBatch(ring.peek(pace.batchSize, pace.maxBatchBytes));
    lastWrite = performance.now();
    answerFlushes();
    // Lets flush and close requests in between batches, even under a steady stream.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (ring.queued === 0) lastWrite = performance.now();
  answerFlushes();
  if (closing) break;
  if (flushes.length === 0) await pause(pace.pollIntervalMs);
}
await store.close();
port.close();

async function writeBatch(batch: RingBatch): Promise<void> {
  const rows = batch.records.length;
  const before = { ...redactionCounts };
  const written = await writeBatchWithRetries(
    () => predictions.insertMany(batch.records),
    pace,
    (failure) => report(failure, rows),
    outage,
  );
  ring.release(batch, written ? 'captured' : 'store_error');
  released += rows;
  const failed = redactionCounts.withheld + redactionCounts.dropped - before.withheld - before.dropped;
  if (failed > 0) {
    report(
      {
        level: 'warn',
        message: `capture writer: a redactor failed on ${failed} texts; they were ${redaction.onFailure === 'drop' ? 'dropped' : 'stored withheld'} (totals: ${redactionCounts.withheld} withheld, ${redactionCounts.dropped} dropped)`,
        attempt: 0,
        error: 'redaction failed',
      },
      failed,
    );
  }
}

/**
 * The pause between looks at the ring: `ms`, or until a flush or close request arrives. The event loop
 * never wakes the thread for a prediction: a wake-up from it invites the scheduler to run the writer
 * on the event loop's cpu, in the middle of serving. A timer, not `Atomics.waitAsync` on the ring: only
 * this thread's own messages end a pause early.
 */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wakeUp = null;
      resolve();
    }
    wakeUp = done;
  });
}

/** Hands a log line to the event loop, whose logger this thread does not have. */
function report({ level, message, attempt, error }: WriteFailure, rows: number): void {
  port.postMessage({
    type: 'log',
    level,
    message,
    rows,
    attempt,
    error: String((error as Error)?.message ?? error),
  } satisfies WriterReport);
}

function answerFlushes(): void {
  for (let i = flushes.length - 1; i >= 0; i--) {
    const flush = flushes[i]!;
    if (released < flush.target && ring.queued > 0) continue;
    flushes.splice(i, 1);
    port.postMessage({ type: 'flushed', id: flush.id } satisfies WriterReport);
  }
}

/**
 * Opens the store; while it cannot be reached (a thread started during an outage) tries again, at least
 * every OUTAGE_MAX_DELAY_MS, instead of failing the thread: the ring keeps what arrives meanwhile. Any
 * other failure (a wrong URL, a refused login), or a close asked meanwhile, ends the thread.
 */
async function openWhenReachable(config: StoreConfig): Promise<Awaited<ReturnType<typeof openStore>>> {
  for (let tries = 1; ; tries++) {
    try {
      const opened = await openStore(config);
      if (tries > 1) outage.onStoreAway(false);
      return opened;
    } catch (error) {
      if (!outage.waitFor(error)) throw error;
      if (tries === 1) {
        outage.onStoreAway(true);
        report(
          {
            level: 'warn',
            message: 'capture: the store is unreachable; holding predictions until it answers',
            attempt: 0,
            error,
          },
          ring.queued,
        );
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(OUTAGE_MAX_DELAY_MS, pace.retryDelayMs * 2 ** Math.min(tries - 1, 20))),
      );
    }
  }
}
