import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../adapters/store/open-store.ts';
import type { PredictionRecord } from '../../core/capture/records.ts';
import { ThreadedCapture } from '../../gateway/threaded-capture.ts';
import { capturingLogger } from '../support/capturing-logger.ts';
import { startThrowawayPostgres } from '../support/postgres.ts';
import { aPrediction } from '../support/store-records.ts';

/** Every writer thread started, so that a test can end one as a crash would: the real Worker, only counted. */
const writerThreads = vi.hoisted((): Worker[] => []);
vi.mock('node:worker_threads', async (original) => {
  const real = await original<typeof import('node:worker_threads')>();
  class CountedWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      writerThreads.push(this);
    }
  }
  return { ...real, Worker: CountedWorker };
});

const mail = (n: number): PredictionRecord =>
  aPrediction({ id: `p-${n}`, text: `Subject: offer ${n}\n\nünïcode – ${'body '.repeat(n % 50)}` });
const quiet = pino({ level: 'silent' });
const slowTimer = { flushIntervalMs: 60_000 };

/** Linux's scheduling policies, as /proc/<pid>/stat numbers them. */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
/** Where util-linux's chrt is missing, the writer stays under SCHED_OTHER (and the gateway warns). */
const chrtFound = spawnSync('chrt', ['--version']).status === 0;

describe('ThreadedCapture: the event loop copies, a writer thread writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-threaded-capture-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes through its own store connection, visible to the gateway’s, and counts what it wrote', async () => {
    const store = await openStore({ dataDir });
    const capture = new ThreadedCapture({ dataDir }, quiet, { ...slowTimer, batchSize: 64 });
    try {
      const written = Array.from({ length: 300 }, (_, n) => mail(n));
      for (const record of written) expect(capture.enqueue(record)).toBe(true);
      expect(capture.enqueue(mail(7))).toBe(true); // the same id again is stored once
      await capture.flush();
      expect(capture.stats()).toEqual({
        queued: 0,
        maxQueued: 20_000,
        storeAway: false,
        captured: 301,
        dropped: { queue_full: 0, store_error: 0, closed: 0 },
      });
      expect(await store.predictions.count('spam')).toBe(300);
      expect(await store.predictions.get('p-123')).toEqual(written[123]);
    } finally {
      await capture.close();
      await store.close();
    }
  });

  it('a flush or close request ends the writer’s pause between looks at the ring at once', async () => {
    const store = await openStore({ dataDir });
    // Looks at the ring every ten minutes, and never writes a partial batch unasked.
    const capture = new ThreadedCapture({ dataDir }, quiet, {
      pollIntervalMs: 600_000,
      flushIntervalMs: 600_000,
      batchSize: 1_000,
    });
    try {
      // Once the thread pauses, the prediction waits in the ring until something wakes it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      capture.enqueue(mail(2_001));
      await capture.flush();
      expect(await store.predictions.get('p-2001')).not.toBeNull();
      capture.enqueue(mail(2_002));
    } finally {
      await capture.close();
    }
    expect(await store.predictions.get('p-2002')).not.toBeNull();
    await store.close();
  }, 60_000);

  it('writes a partial batch once its interval has passed, without being asked', async () => {
    const store = await openStore({ dataDir });
    const capture = new ThreadedCapture({ dataDir }, quiet, { flushIntervalMs: 50, batchSize: 1_000 });
    try {
      capture.enqueue(mail(1_001));
      // A hang guard, not a speed bound: the writer runs at idle priority, and a loaded machine gives an
      // idle thread its cpu last.
      await vi.waitFor(async () => expect(await store.predictions.get('p-1001')).not.toBeNull(), {
        timeout: 60_000,
      });
    } finally {
      await capture.close();
      await store.close();
    }
  });

  it('wraps its ring many times under a long stream, losing nothing', async () => {
    const store = await openStore({ dataDir: join(dataDir, 'wrap') });
    const capture = new ThreadedCapture({ dataDir: join(dataDir, 'wrap') }, quiet, {
      ringBytes: 64 * 1024,
      maxQueued: 400,
      pollIntervalMs: 1,
    });
    try {
      let accepted = 0;
      for (let n = 0; n < 3_000; n++) {
        while (!capture.enqueue(mail(n))) await new Promise((resolve) => setTimeout(resolve, 1));
        accepted++;
      }
      await capture.flush();
      expect(accepted).toBe(3_000);
      expect(await store.predictions.count('spam')).toBe(3_000);
      expect(await store.predictions.get('p-2999')).toMatchObject({ text: mail(2_999).text });
      expect(capture.stats().dropped.queue_full).toBeGreaterThan(0); // maxQueued was reached
    } finally {
      await capture.close();
      await store.close();
    }
  });

  it('holds predictions for a stalled store beyond what its ring holds, then writes them all', async () => {
    const dir = join(dataDir, 'stall');
    const store = await openStore({ dataDir: dir });
    const capture = new ThreadedCapture({ dataDir: dir }, quiet, {
      ringBytes: 16 * 1024,
      maxQueued: 1_000,
      pollIntervalMs: 1,
      flushIntervalMs: 1,
    });
    // Another connection holds the write lock: the writer thread waits on it, as behind a long
    // checkpoint or another process's transaction.
    const blocker = new DatabaseSync(join(dir, 'flywheel.db'));
    try {
      blocker.exec('BEGIN IMMEDIATE');
      for (let n = 0; n < 300; n++) expect(capture.enqueue(mail(n))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // 300 predictions of ~500 bytes do not fit in 16 KiB: most wait on the heap for room.
      expect(capture.stats()).toMatchObject({ queued: 300, captured: 0, dropped: { queue_full: 0 } });
      blocker.exec('COMMIT');
      await capture.flush();
      expect(capture.stats()).toMatchObject({ queued: 0, captured: 300, dropped: { queue_full: 0 } });
      expect(await store.predictions.count('spam')).toBe(300);
    } finally {
      if (blocker.isTransaction) blocker.exec('ROLLBACK');
      blocker.close();
      await capture.close();
      await store.close();
    }
  });

  it('drops and counts a prediction too large for its ring, and flush still returns', async () => {
    const dir = join(dataDir, 'large');
    const store = await openStore({ dataDir: dir });
    const capture = new ThreadedCapture({ dataDir: dir }, quiet, { ...slowTimer, ringBytes: 4 * 1024 });
    try {
      expect(capture.enqueue(aPrediction({ id: 'huge', text: 'x'.repeat(3_000) }))).toBe(true);
      expect(capture.enqueue(mail(1))).toBe(true);
      await capture.flush();
      expect(capture.stats()).toMatchObject({ queued: 0, captured: 1, dropped: { queue_full: 1 } });
      expect(await store.predictions.get('huge')).toBeNull();
      expect(await store.predictions.get('p-1')).not.toBeNull();
    } finally {
      await capture.close();
      await store.close();
    }
  });

  it('drops and counts what does not fit, and says so in the log', async () => {
    const { log, lines } = capturingLogger();
    const capture = new ThreadedCapture({ dataDir }, log, { ...slowTimer, maxQueued: 3, batchSize: 100 });
    const taken = Array.from({ length: 5 }, (_, n) => capture.enqueue(mail(2_000 + n)));
    expect(taken).toEqual([true, true, true, false, false]);
    await capture.close();
    expect(capture.stats()).toMatchObject({ queued: 0, captured: 3, dropped: { queue_full: 2 } });
    expect(lines).toContainEqual(expect.objectContaining({ reason: 'queue_full', dropped: 2 }));
    expect(capture.enqueue(mail(2_010))).toBe(false);
    expect(capture.stats().dropped.closed).toBe(1);
  });

  it.runIf(process.platform === 'linux')(
    'runs its writer as a thread named capture-writer, at nice 19 and under SCHED_IDLE unless told otherwise',
    async () => {
      /** Nice value and scheduling policy of each capture-writer thread of this process. */
      const writers = () =>
        readdirSync('/proc/self/task')
          .filter((task) => readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'capture-writer')
          .map((task) => {
            // Fields of /proc/<pid>/task/<tid>/stat after the parenthesised name start at field 3:
            // nice is field 19, policy field 41.
            const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ');
            const policy = Number(fields[38]);
            return { nice: Number(fields[16]), policy: policy === SCHED_IDLE ? 'idle' : policy };
          });
      const polite = new ThreadedCapture({ dataDir }, quiet);
      const idle = chrtFound ? 'idle' : SCHED_OTHER;
      await vi.waitFor(() => expect(writers()).toEqual([{ nice: 19, policy: idle }]), { timeout: 60_000 });
      await polite.close();
      await vi.waitFor(() => expect(writers()).toEqual([]), { timeout: 60_000 });
      const plain = new ThreadedCapture({ dataDir }, quiet, { writerNice: 0, writerIdle: false });
      // Give a change of scheduling the time to land, were it (wrongly) made.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(writers()).toEqual([{ nice: 0, policy: SCHED_OTHER }]);
      await plain.close();
      expect(() => new ThreadedCapture({ dataDir }, quiet, { writerNice: -5 })).toThrow(/writerNice/);
    },
  );

  it.runIf(process.platform === 'linux')(
    'warns, and writes all the same, where chrt cannot put its writer under SCHED_IDLE',
    async () => {
      const { log, lines } = capturingLogger();
      const path = process.env.PATH;
      // A worker thread takes a copy of the environment as it starts: this one finds no chrt.
      process.env.PATH = dataDir;
      let capture: ThreadedCapture;
      try {
        capture = new ThreadedCapture({ dataDir }, log);
      } finally {
        process.env.PATH = path;
      }
      capture.enqueue(mail(3_000));
      await capture.flush();
      expect(capture.stats().captured).toBe(1);
      await vi.waitFor(
        () =>
          expect(lines).toContainEqual(
            expect.objectContaining({
              level: 40,
              msg: 'capture writer: cannot run under SCHED_IDLE (chrt --idle); it runs as its parent does',
              err: expect.stringContaining('ENOENT'),
            }),
          ),
        { timeout: 60_000 },
      );
      await capture.close();
    },
  );

  it('gives up on a store it cannot open after a few threads, counting what it held as store errors', async () => {
    const { log, lines } = capturingLogger();
    const capture = new ThreadedCapture({ dataDir, databaseUrl: 'mysql://nowhere/db' }, log, {
      ...slowTimer,
      maxAttempts: 2,
      retryDelayMs: 5,
    });
    capture.enqueue(mail(3_000));
    capture.enqueue(mail(3_001));
    await capture.flush(); // returns: nothing is held any more
    expect(capture.stats()).toMatchObject({ queued: 0, captured: 0, dropped: { store_error: 2 } });
    const failures = lines.filter((l) => l.msg === 'capture writer thread failed');
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(failures[0])).toContain('FLYWHEEL_DATABASE_URL');
    expect(lines).toContainEqual(
      expect.objectContaining({ rows: 2, msg: expect.stringContaining('no writer thread could write') }),
    );
    // The next prediction tries again (and fails again here, for the same reason).
    capture.enqueue(mail(3_002));
    await capture.flush();
    expect(capture.stats().dropped.store_error).toBe(3);
    await capture.close();
  });

  it('no longer reports the store away once the thread that saw it away is gone and the next one opens it', async () => {
    const pg = await startThrowawayPostgres();
    // The next thread starts a while after one dies: long enough to bring the server back first.
    const capture = new ThreadedCapture({ dataDir, databaseUrl: pg.url }, quiet, {
      ...slowTimer,
      retryDelayMs: 4_000,
    });
    try {
      capture.enqueue(mail(4_000));
      await capture.flush();
      expect(capture.stats()).toMatchObject({ captured: 1, storeAway: false });

      await pg.interrupt();
      capture.enqueue(mail(4_001));
      const flushed = capture.flush();
      await vi.waitFor(() => expect(capture.stats().storeAway).toBe(true), { timeout: 30_000 });
      const away = writerThreads.at(-1)!;
      const started = writerThreads.length;
      await away.terminate();
      await pg.resume();
      // The next thread opens the store at its first try: it has no outage to report the end of.
      await flushed;
      expect(writerThreads.length).toBe(started + 1);
      expect(capture.stats()).toMatchObject({ captured: 2, storeAway: false });
    } finally {
      await capture.close();
      await pg.stop();
    }
  }, 60_000);
});
