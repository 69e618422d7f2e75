/**
 * One gateway of bench/gateway.ts in a process of its own, sharing no heap and no event loop with the
 * others: a real model trained on SpamAssassin, a fresh embedded store, and capture on (a writer thread,
 * as `runGateway` does), off, written on the event loop, or switched on and off by the parent between
 * bursts (a writer thread while on), so that one process serves both sides of a comparison.
 *
 *   node bench/gateway-process.ts --mode on|off|in-loop|switched [--pin]
 *
 * Talks to its parent over IPC: sends { type: 'ready', url }, then answers
 * - { type: 'usage' } → { type: 'usage', cpu, main }: CPU time of the process and of its main thread;
 * - { type: 'capture', on } → { type: 'switched' }: capture on or off from the next request on
 *   (mode switched only);
 * - { type: 'drain' } → { type: 'drained' }: every prediction served so far is in the store;
 * - { type: 'close' } → { type: 'closed', captured, dropped }, then exits.
 * With --pin, its main thread (the event loop that answers) runs on cpu 0 and its capture writer thread
 * on the last cpu.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { createGateway, startGateway } from '../gateway/create-gateway.ts';
import { redactionPolicyFromEnvironment } from '../gateway/redacting-predictions.ts';
import { ThreadedCapture } from '../gateway/threaded-capture.ts';
import { MODEL, registerChampion } from '../test/gateway/gateway-harness.ts';
import { LAST_CPU, pinThread, pinThreadWhenStarted, SERVING_CPU } from './cpu-pinning.ts';
import { SwitchedCapture } from './switched-capture.ts';

export type GatewayMode = 'on' | 'off' | 'in-loop';
export type ProcessMode = GatewayMode | 'switched';
export type GatewayRequest =
  | { type: 'usage' }
  | { type: 'capture'; on: boolean }
  | { type: 'drain' }
  | { type: 'close' };
export type GatewayAnswer =
  | { type: 'ready'; url: string }
  | { type: 'usage'; cpu: NodeJS.CpuUsage; main: NodeJS.CpuUsage }
  | { type: 'switched' }
  | { type: 'drained' }
  | { type: 'closed'; captured: number; dropped: number };

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'on' }, pin: { type: 'boolean', default: false } },
});
const mode = values.mode as ProcessMode;
// The event loop on the serving cpu; the capture writer thread (which would inherit that cpu) moves to
// the last cpu once it has started, beside the load generator: off the serving core, as it is meant to.
if (values.pin) {
  pinThread(process.pid, SERVING_CPU);
  pinThreadWhenStarted('capture-writer', LAST_CPU);
}
const send = (answer: GatewayAnswer) => process.send!(answer);

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-bench-gateway-'));
const store = openEmbeddedStore(join(dataDir, 'flywheel.db'));
const flags = openEmbeddedFlags(dataDir);
const artifacts = openFileArtifactStore(dataDir);
await registerChampion(store, artifacts);
// FLYWHEEL_REDACT (e.g. `all`) redacts in the writer thread as runGateway would: run the bench with and
// without it to read what redaction adds to capture's cost.
const threaded = () =>
  new ThreadedCapture({ dataDir }, pino({ level: 'warn' }), { redaction: redactionPolicyFromEnvironment() });
const switched = mode === 'switched' ? new SwitchedCapture(threaded()) : null;
const gateway = createGateway({
  store,
  flags,
  artifacts,
  logger: pino({ level: 'warn' }),
  options: {
    captureEnabled: mode !== 'off',
    ...(mode === 'on' ? { predictionCapture: threaded() } : {}),
    ...(switched ? { predictionCapture: switched } : {}),
  },
});
const url = await startGateway(gateway, { port: 0, host: '127.0.0.1' });

process.on('message', async (request: GatewayRequest) => {
  switch (request.type) {
    case 'usage':
      send({ type: 'usage', cpu: process.cpuUsage(), main: process.threadCpuUsage() });
      return;
    case 'capture':
      if (!switched) throw new Error(`capture cannot be switched in mode ${mode}`);
      switched.on = request.on;
      send({ type: 'switched' });
      return;
    case 'drain':
      await gateway.capture.flush();
      send({ type: 'drained' });
      return;
    case 'close': {
      await gateway.close();
      const { dropped } = gateway.capture.stats();
      const captured = await store.predictions.count(MODEL);
      await flags.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
      send({ type: 'closed', captured, dropped: dropped.queue_full + dropped.store_error + dropped.closed });
      process.disconnect();
      return;
    }
  }
});
send({ type: 'ready', url });
