import type { PredictionRecord, Variant } from '../core/capture/records.ts';

/**
 * The memory the gateway's event loop and its capture writer thread share: a ring of captured
 * predictions, one producer (the event loop) and one consumer (the writer thread). The event loop
 * encodes each prediction straight into the ring and keeps nothing of it, and nothing is copied again
 * on its way to the thread. The consumer releases rows only once the store has them, so a writer
 * thread that dies loses nothing: the next one starts where it stopped.
 *
 * A frame, 8-byte aligned, is
 *   [head bytes: int32][text bytes: int32][scores: int32][pad]
 *   [confidence, latencyMs, createdAt, each score: float64][head][text]
 * where the head is the UTF-8 JSON of the string fields (`RingHead`): numbers travel as they are,
 * since formatting them as JSON text cost twice as much as all the strings together. The text is
 * copied as Latin-1 when every character fits in a byte (most mail; a straight copy of V8's
 * one-byte strings) and as UTF-16LE otherwise (negative text bytes), which is about as fast: encoding
 * a string with wider characters as UTF-8 costs ten to twenty times more. A frame that would not fit
 * before the end leaves a wrap marker and starts at offset 0.
 */
export interface SharedRing {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** Int32 words of `control`. */
const USED = 0; // bytes not released by the consumer, wrap padding included
const ROWS = 1; // predictions not released by the consumer
const READ = 2; // where the first unreleased frame starts
/** Word 3 is unused: it keeps the 64-bit totals that follow 8-byte aligned. */
const CONTROL_WORDS = 4;
/** BigInt64 slots of `control`, after the int32 words. */
const CAPTURED = 0;
const STORE_ERRORS = 1;

/** A frame's int32 words, from its start; `HEAD_BYTES` holds `WRAP` where the ring wraps instead. */
const HEAD_BYTES = 0;
const TEXT_BYTES = 1; // negative: the text is UTF-16LE
const SCORE_COUNT = 2;
/** A frame's first float64, from its start: confidence, latencyMs, createdAt, then each score. */
const NUMBERS = 2;
/** Bytes before the head: four int32 words and three float64s, then a float64 per score. */
const FRAME_FIXED = 40;
const WRAP = -1;
const align8 = (n: number) => (n + 7) & ~7;
/** A character Latin-1 cannot hold. */
const WIDE = /[\u0100-\uffff]/;

/** A prediction's string fields, and the labels of its scores (whose values precede the head). */
type RingHead = [
  id: string,
  model: string,
  modelVersion: string,
  variant: Variant,
  label: string,
  userKey: string | null,
  servedPredictionId: string | null,
  metadata: Record<string, string>,
  scoreLabels: string[],
];

/**
 * `too_large`: more than half the ring, which an empty ring may not hold either (depending on where
 * its next frame starts), so it is refused outright rather than waited for.
 */
export type RingWrite = 'written' | 'full' | 'too_large';

export interface RingBatch {
  records: PredictionRecord[];
  /** Bytes to release with the batch, wrap padding included. */
  bytes: number;
  /** Where the frame after the batch starts. */
  next: number;
}

export class CaptureRing {
  readonly shared: SharedRing;
  readonly #words: Int32Array;
  readonly #totals: BigInt64Array;
  readonly #frames: Int32Array;
  readonly #numbers: Float64Array;
  readonly #bytes: Buffer;
  readonly #capacity: number;
  /** The producer's next frame; only the producer's instance uses it. */
  #write: number;

  /** A new, empty ring of `capacityBytes` (rounded up to a multiple of 8). */
  static create(capacityBytes: number): CaptureRing {
    return new CaptureRing({
      control: new SharedArrayBuffer(CONTROL_WORDS * 4 + 2 * 8),
      data: new SharedArrayBuffer(align8(capacityBytes)),
    });
  }

  constructor(shared: SharedRing) {
    this.shared = shared;
    this.#words = new Int32Array(shared.control, 0, CONTROL_WORDS);
    this.#totals = new BigInt64Array(shared.control, CONTROL_WORDS * 4, 2);
    this.#frames = new Int32Array(shared.data);
    this.#numbers = new Float64Array(shared.data);
    this.#bytes = Buffer.from(shared.data);
    this.#capacity = shared.data.byteLength;
    this.#write = this.#normal(Atomics.load(this.#words, READ) + Atomics.load(this.#words, USED));
  }

  /** Predictions written and not yet released. */
  get queued(): number {
    return Atomics.load(this.#words, ROWS);
  }

  get captured(): number {
    return Number(Atomics.load(this.#totals, CAPTURED));
  }

  get storeErrors(): number {
    return Number(Atomics.load(this.#totals, STORE_ERRORS));
  }

  // ---- producer (the event loop) ----

  /** Copies a prediction into the ring, if the free space left can hold it. */
  write(r: PredictionRecord): RingWrite {
    const scoreLabels = Object.keys(r.scores);
    const head = JSON.stringify([
      r.id,
      r.model,
      r.modelVersion,
      r.variant,
      r.label,
      r.userKey,
      r.servedPredictionId,
      r.metadata ?? {},
      scoreLabels,
    ] satisfies RingHead);
    const headAt = FRAME_FIXED + 8 * scoreLabels.length;
    const wide = WIDE.test(r.text);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the worst case, checked before writing.
    const room = align8(headAt + 3 * head.length + (wide ? 2 : 1) * r.text.length);
    if (room > this.#capacity / 2) return 'too_large';
    const start = this.#write;
    let at = start;
    let padding = 0;
    if (at + room > this.#capacity) {
      padding = this.#capacity - at;
      at = 0;
    }
    if (Atomics.load(this.#words, USED) + padding + room > this.#capacity) return 'full';

    const headBytes = this.#bytes.write(head, at + headAt);
    const textBytes = this.#bytes.write(r.text, at + headAt + headBytes, wide ? 'utf16le' : 'latin1');
    const word = at >> 2;
    this.#frames[word + HEAD_BYTES] = headBytes;
    this.#frames[word + TEXT_BYTES] = wide ? -textBytes : textBytes;
    this.#frames[word + SCORE_COUNT] = scoreLabels.length;
    let number = (at >> 3) + NUMBERS;
    this.#numbers[number++] = r.confidence;
    this.#numbers[number++] = r.latencyMs;
    this.#numbers[number++] = r.createdAt;
    for (const scoreLabel of scoreLabels) this.#numbers[number++] = r.scores[scoreLabel]!;
    if (padding > 0) this.#frames[(start >> 2) + HEAD_BYTES] = WRAP;
    const size = align8(headAt + headBytes + textBytes);
    this.#write = this.#normal(at + size);
    // Published last: the consumer reads no further than USED, so it never sees a half-written frame.
    Atomics.add(this.#words, USED, padding + size);
    Atomics.add(this.#words, ROWS, 1);
    return 'written';
  }

  /**
   * Forgets every unreleased prediction and counts them as store errors; returns how many. Only while
   * no consumer runs (its writer thread has failed for good).
   */
  discardAll(): number {
    const rows = Atomics.load(this.#words, ROWS);
    Atomics.store(this.#words, READ, this.#write);
    Atomics.store(this.#words, USED, 0);
    Atomics.store(this.#words, ROWS, 0);
    Atomics.add(this.#totals, STORE_ERRORS, BigInt(rows));
    return rows;
  }

  // ---- consumer (the writer thread) ----

  /** The unreleased predictions from the first, at most `maxRows` and (unless one) `maxTextBytes`. */
  peek(maxRows: number, maxTextBytes: number): RingBatch {
    const available = Atomics.load(this.#words, USED);
    const records: PredictionRecord[] = [];
    let at = Atomics.load(this.#words, READ);
    let bytes = 0;
    let textTotal = 0;
    while (bytes < available && records.length < maxRows) {
      const word = at >> 2;
      const headBytes = this.#frames[word + HEAD_BYTES]!;
      if (headBytes === WRAP) {
        bytes += this.#capacity - at;
        at = 0;
        continue;
      }
      const textField = this.#frames[word + TEXT_BYTES]!;
      const textBytes = Math.abs(textField);
      if (records.length > 0 && textTotal + textBytes > maxTextBytes) break;
      const scoreCount = this.#frames[word + SCORE_COUNT]!;
      const headAt = at + FRAME_FIXED + 8 * scoreCount;
      const textAt = headAt + headBytes;
      const head = JSON.parse(this.#bytes.toString('utf8', headAt, textAt)) as RingHead;
      const [id, model, modelVersion, variant, label, userKey, servedPredictionId, metadata, scoreLabels] =
        head;
      let number = (at >> 3) + NUMBERS;
      const confidence = this.#numbers[number++]!;
      const latencyMs = this.#numbers[number++]!;
      const createdAt = this.#numbers[number++]!;
      // fromEntries: a label such as "__proto__" stays a score of its own.
      const scores = Object.fromEntries(
        scoreLabels.map((scoreLabel) => [scoreLabel, this.#numbers[number++]!]),
      );
      const text = this.#bytes.toString(textField < 0 ? 'utf16le' : 'latin1', textAt, textAt + textBytes);
      records.push({
        id,
        model,
        modelVersion,
        variant,
        text,
        label,
        confidence,
        scores,
        userKey,
        servedPredictionId,
        latencyMs,
        metadata,
        createdAt,
      });
      textTotal += textBytes;
      const size = align8(textAt - at + textBytes);
      bytes += size;
      at = this.#normal(at + size);
    }
    return { records, bytes, next: at };
  }

  /** Frees a batch `peek` returned, once the store has it (or has refused it for good). */
  release(batch: RingBatch, outcome: 'captured' | 'store_error'): void {
    Atomics.store(this.#words, READ, batch.next);
    Atomics.sub(this.#words, USED, batch.bytes);
    Atomics.sub(this.#words, ROWS, batch.records.length);
    Atomics.add(this.#totals, outcome === 'captured' ? CAPTURED : STORE_ERRORS, BigInt(batch.records.length));
  }

  #normal(offset: number): number {
    return offset >= this.#capacity ? offset - this.#capacity : offset;
  }
}
