import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ArtifactStore } from '../../adapters/artifacts/artifact-store.ts';
import { openFileArtifactStore } from '../../adapters/artifacts/file-artifact-store.ts';
import { loadSpamAssassin, SPAMASSASSIN_LABELS } from '../../adapters/corpus/spamassassin.ts';
import { openEmbeddedFlags } from '../../adapters/flags/embedded.ts';
import type { FlagProvider } from '../../adapters/flags/flag-provider.ts';
import { openEmbeddedStore } from '../../adapters/store/embedded/embedded-store.ts';
import type { FlywheelStore, PredictionRepository } from '../../adapters/store/store.ts';
import { serializeClassifier } from '../../core/model/artifact.ts';
import { trainClassifier } from '../../core/model/train.ts';
import type { ModelVersion } from '../../core/registry/model-version.ts';
import {
  createGateway,
  type Gateway,
  type GatewayOptions,
  startGateway,
} from '../../gateway/create-gateway.ts';
import { MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';

export const MODEL = 'spam';

/** Messages of the later era, cut to what the gateway accepts: the traffic tests send. */
export function trafficTexts(count: number): string[] {
  return loadSpamAssassin({ groups: ['easy-ham-2', 'spam-2'] })
    .slice(0, count)
    .map((message) => message.text.slice(0, MAX_TEXT_LENGTH));
}

const trained = new Map<number, Promise<Uint8Array>>();

/** A real classifier trained on part of the first era of SpamAssassin; the seed makes distinct versions. */
export function trainedArtifact(seed: number): Promise<Uint8Array> {
  let artifact = trained.get(seed);
  if (!artifact) {
    artifact = (async () => {
      const examples = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] })
        .filter((_, i) => i % 3 === seed % 3)
        .map(({ text, label }) => ({ text, label }));
      const run = await trainClassifier({
        examples,
        labels: SPAMASSASSIN_LABELS,
        seed,
        params: { epochs: 2 },
      });
      return serializeClassifier(run.model, {
        trainer: 'test',
        datasetId: null,
        seed,
        params: {},
        metrics: {},
      });
    })();
    trained.set(seed, artifact);
  }
  return artifact;
}

export async function registerVersion(
  store: FlywheelStore,
  artifacts: ArtifactStore,
  id: string,
  seed: number,
): Promise<ModelVersion> {
  const sha256 = await artifacts.put(await trainedArtifact(seed));
  const version: ModelVersion = {
    id,
    model: MODEL,
    artifactSha256: sha256,
    datasetId: 'test-dataset',
    labels: [...SPAMASSASSIN_LABELS],
    trainer: 'test',
    params: { seed },
    metrics: {},
    blessedBy: null,
    createdAt: Date.now(),
  };
  await store.models.register(version);
  return version;
}

/** Version `v1` (seed 1) registered and made the champion of MODEL: a gateway has something to serve. */
export async function registerChampion(
  store: FlywheelStore,
  artifacts: ArtifactStore,
): Promise<ModelVersion> {
  const version = await registerVersion(store, artifacts, 'v1', 1);
  await store.models.moveAlias({
    model: MODEL,
    alias: 'champion',
    versionId: version.id,
    reason: 'test',
    actor: 'test',
    at: Date.now(),
  });
  return version;
}

export interface Harness {
  url: string;
  dataDir: string;
  store: FlywheelStore;
  flags: FlagProvider;
  artifacts: ArtifactStore;
  gateway: Gateway;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON the tests' assertions check
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  metrics(): Promise<string>;
  /** Closes the gateway (flushing capture); the store stays open for assertions until `dispose`. */
  closeGateway(): Promise<void>;
  dispose(): Promise<void>;
}

export interface HarnessOptions {
  options?: GatewayOptions;
  /** Wraps the store the gateway writes to (e.g. to make it slow); assertions read the real one. */
  wrapStore?: (store: FlywheelStore) => FlywheelStore;
  /** Registers v1 as the champion (alias) before starting. Default true. */
  withChampion?: boolean;
  logger?: Logger;
  /** The flag provider the gateway reads (default: embedded flags in the harness's data folder). */
  flags?: FlagProvider;
}

export async function startHarness(harnessOptions: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-gateway-'));
  const store = openEmbeddedStore(join(dataDir, 'flywheel.db'));
  const flags = harnessOptions.flags ?? openEmbeddedFlags(dataDir);
  const artifacts = openFileArtifactStore(dataDir);
  const logger = harnessOptions.logger ?? pino({ level: 'silent' });
  if (harnessOptions.withChampion ?? true) await registerChampion(store, artifacts);
  const gateway = createGateway({
    store: harnessOptions.wrapStore ? harnessOptions.wrapStore(store) : store,
    artifacts,
    flags,
    logger,
    options: { rolloutTtlMs: 50, ...harnessOptions.options },
  });
  const url = await startGateway(gateway, { port: 0, host: '127.0.0.1' });
  let gatewayClosed: Promise<void> | undefined;
  const closeGateway = () => {
    gatewayClosed ??= gateway.close();
    return gatewayClosed;
  };
  return {
    url,
    dataDir,
    store,
    flags,
    artifacts,
    gateway,
    logger,
    async post(path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async metrics() {
      return (await fetch(`${url}/metrics`)).text();
    },
    closeGateway,
    async dispose() {
      await closeGateway();
      await flags.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The value of one series in Prometheus text, e.g. metricValue(text, 'x_total{reason="a"}'). */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

/** Wraps a store so that each prediction write takes `delayMs` more: a store that keeps writing, slowly. */
export function slowPredictionWrites(delayMs: number): (store: FlywheelStore) => FlywheelStore {
  return (store) => {
    const predictions: PredictionRepository = Object.create(store.predictions);
    predictions.insertMany = async (rows) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return store.predictions.insertMany(rows);
    };
    return Object.assign(Object.create(store), { predictions });
  };
}
