import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { prepareStrippedThread, startStrippedThread } from './stripped-thread.ts';

const fixtures = new URL('../test/fixtures/stripped-thread/', import.meta.url);

/** The thread's first message, or its error. */
function outcome(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('startStrippedThread', () => {
  it('runs a TypeScript module and what it imports from sources stripped by the starting thread', async () => {
    const entry = new URL('typed-thread.ts', fixtures);
    expect(Object.keys(prepareStrippedThread(entry)).map((url) => url.split('/').pop())).toEqual([
      'typed-thread.ts',
      'typed-helper.ts',
    ]);
    const worker = startStrippedThread(entry, { name: 'stripped-test' });
    expect(await outcome(worker)).toEqual({ value: 42, mine: null });
  });

  it('fails a thread that imports a TypeScript module not prepared for it, naming it, instead of stripping it there', async () => {
    const worker = startStrippedThread(new URL('hidden-import-thread.ts', fixtures), {
      name: 'stripped-test',
    });
    await expect(outcome(worker)).rejects.toThrow(
      /typed-helper\.ts was not prepared by the thread that started this one/,
    );
  });

  it('hands the thread its own workerData beside the stripped sources', async () => {
    const worker = startStrippedThread(new URL('typed-thread.ts', fixtures), {
      name: 'stripped-test',
      workerData: { mine: 1 },
    });
    expect(await outcome(worker)).toEqual({ value: 42, mine: 1 });
  });
});
