/**
 * Entry of the capture writer thread (see threaded-prediction-sink.ts): opens its own connection to the
 * store and writes the batches the gateway's capture buffer hands it, one at a time, answering each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreConfig } from '../adapters/store/open-store.ts';
import { fromPredictionFields, type PredictionFields } from '../core/capture/prediction-fields.ts';

export type WriterRequest = { type: 'insert'; id: number; rows: PredictionFields[] } | { type: 'close' };
export type WriterAnswer = { id: number; ok: true } | { id: number; ok: false; message: string };

const port = parentPort!;
const store = await openStore(workerData as StoreConfig);
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: WriterRequest) => {
  queue = queue.then(async () => {
    if (request.type === 'close') {
      await store.close();
      port.close();
      return;
    }
    try {
      await store.predictions.insertMany(request.rows.map(fromPredictionFields));
      port.postMessage({ id: request.id, ok: true } satisfies WriterAnswer);
    } catch (error) {
      port.postMessage({
        id: request.id,
        ok: false,
        message: String((error as Error)?.message ?? error),
      } satisfies WriterAnswer);
    }
  });
});
