/**
 * Flags across gateway replicas, embedded vs Unleash, side by side in one run:
 * - propagation: from a rollout's flag write (the call the rollout's setRolloutFlags activity makes) to
 *   both gateways of a pair serving the new state, median and max over rounds;
 * - throughput: a gateway reading its flags from Unleash vs one reading the embedded flag file, both
 *   serving a model at canary 50% (every request asks who is on the canary), closed-loop bursts of real
 *   mail, in alternating order; the ratio of each pair, median.
 *
 *   node bench/flag-propagation.ts [--rounds 15] [--bursts 7] [--requests 2000]
 *
 * Each side is a pair of real `flywheel gateway` processes over one PostgreSQL store: the embedded pair
 * shares a data folder (the embedded flag file), the Unleash pair reads a real unleash-server with the
 * production defaults (FLYWHEEL_UNLEASH_REFRESH_MS=1000; the gateway's own flag cache, 500 ms, applies to
 * both sides).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import { openFlags } from '../adapters/flags/open-flags.ts';
import { openStore } from '../adapters/store/open-store.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import { MODEL, registerChampion, registerVersion } from '../test/gateway/gateway-harness.ts';
import { type FlywheelProcess, startFlywheelProcess } from '../test/support/flywheel-process.ts';
import { startThrowawayPostgres } from '../test/support/postgres.ts';
import { startThrowawayUnleash } from '../test/support/unleash.ts';
import { freePort } from '../workers/free-port.ts';
import type { Burst, PhaseResult } from './gateway-load-generator.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    bursts: { type: 'string', default: '7' },
    requests: { type: 'string', default: '2000' },
  },
});
const rounds = Number(values.rounds);
const bursts = Number(values.bursts);
const requests = Number(values.requests);
const PROBES = Array.from({ length: 20 }, (_, i) => `probe-${i}`);

console.log(machineLine());
const postgres = await startThrowawayPostgres();
const unleash = await startThrowawayUnleash(postgres);
const shared = mkdtempSync(join(tmpdir(), 'flywheel-bench-flags-'));
const processes: FlywheelProcess[] = [];
let loadGenerator: ChildProcess | undefined;
try {
  // One store, one artifact folder, three versions: the champion and two candidates the rounds swap.
  const store = await openStore({ dataDir: shared, databaseUrl: postgres.url });
  const artifacts = openFileArtifactStore(shared);
  const champion = await registerChampion(store, artifacts);
  const candidates = [
    await registerVersion(store, artifacts, 'v2', 2),
    await registerVersion(store, artifacts, 'v3', 3),
  ];
  await store.close();

  const sides: Array<{ name: string; writer: FlagProvider; env: (i: number) => Record<string, string> }> = [
    {
      name: 'embedded',
      writer: openEmbeddedFlags(shared),
      env: () => ({ FLYWHEEL_DATA_DIR: shared }),
    },
    {
      name: 'unleash',
      writer: await openFlags({ dataDir: shared, env: unleash.env(), role: 'writer' }),
      env: () => {
        const { FLYWHEEL_UNLEASH_ADMIN_TOKEN: _, ...reader } = unleash.env();
        // Artifacts come from the shared folder on both sides: only the flags differ.
        return { ...reader, FLYWHEEL_DATA_DIR: shared };
      },
    },
  ];
  const state = (round: number): RolloutState => ({
    championVersion: champion.id,
    candidateVersion: candidates[round % 2]!.id,
    mode: 'canary',
    percent: 50,
  });
  for (const side of sides) await side.writer.write(MODEL, state(1));

  const gateways: Record<string, string[]> = {};
  for (const side of sides) {
    gateways[side.name] = [];
    for (const i of [0, 1]) {
      const port = await freePort();
      const process = await startFlywheelProcess(
        `${side.name}-${i}`,
        ['gateway', '--host', '127.0.0.1', '--port', String(port)],
        { ...side.env(i), FLYWHEEL_DATABASE_URL: postgres.url, FLYWHEEL_LOG_LEVEL: 'warn' },
        /^gateway listening on http:/,
      );
      processes.push(process);
      gateways[side.name]!.push(`http://127.0.0.1:${port}`);
    }
  }

  /** Whether a gateway serves `candidate` to every probe user on the canary (and to at least one). */
  const serves = async (url: string, candidate: string) => {
    const answers = await Promise.all(
      PROBES.map(async (userKey) => {
        const response = await fetch(`${url}/v1/models/${MODEL}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'Subject: lunch on friday?', userKey }),
        });
        return (await response.json()) as { variant: string; modelVersion: string };
      }),
    );
    const canary = answers.filter((a) => a.variant === 'canary');
    return canary.length > 0 && canary.every((a) => a.modelVersion === candidate);
  };

  // Propagation: both sides written in the same round, one after the other in alternating order.
  const lags: Record<string, number[]> = { embedded: [], unleash: [] };
  const writes: Record<string, number[]> = { embedded: [], unleash: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...sides].reverse() : sides;
    for (const side of order) {
      const next = state(round);
      const started = performance.now();
      await side.writer.write(MODEL, next);
      writes[side.name]!.push(performance.now() - started);
      const caughtUp = await Promise.all(
        gateways[side.name]!.map(async (url) => {
          while (!(await serves(url, next.candidateVersion!))) {
            if (performance.now() - started > 120_000) throw new Error(`${url} never served round ${round}`);
          }
          return performance.now() - started;
        }),
      );
      lags[side.name]!.push(Math.max(...caughtUp));
    }
    progress(`propagation round ${round + 1}/${rounds}: load ${loadAverage()}`);
  }
  console.log(
    `\nflag propagation: from the write's start to both gateways of the pair serving it (${rounds} rounds)`,
  );
  console.log(
    table([
      ['flags', 'write median', 'both serving: median', 'max'],
      ...sides.map((side) => [
        side.name,
        `${median(writes[side.name]!).toFixed(0)} ms`,
        `${median(lags[side.name]!).toFixed(0)} ms`,
        `${Math.max(...lags[side.name]!).toFixed(0)} ms`,
      ]),
    ]),
  );

  // Throughput: the first gateway of each side, same mail, closed loop, alternating which goes first.
  loadGenerator = fork(join(import.meta.dirname, 'gateway-load-generator.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const generator = loadGenerator;
  const burst = (url: string, firstMessage: number) =>
    new Promise<PhaseResult>((resolve) => {
      generator.once('message', (answer) => resolve(answer as PhaseResult));
      generator.send({
        type: 'burst',
        url,
        firstMessage,
        loop: 'closed',
        requests,
        concurrency: 8,
      } satisfies Burst);
    });
  // Warm both (model caches, JIT), then measure.
  for (const side of sides) await burst(gateways[side.name]![0]!, 0);
  const rates: Record<string, number[]> = { embedded: [], unleash: [] };
  const ratios: number[] = [];
  for (let pair = 0; pair < bursts; pair++) {
    const order = pair % 2 ? [...sides].reverse() : sides;
    const rate: Record<string, number> = {};
    for (const side of order) {
      const result = await burst(gateways[side.name]![0]!, pair * requests);
      const failed = result.requests - (result.statuses['200'] ?? 0);
      if (failed > 0)
        throw new Error(
          `${side.name}: ${failed} requests not answered 200: ${JSON.stringify(result.statuses)}`,
        );
      rate[side.name] = result.requests / (result.durationMs / 1000);
      rates[side.name]!.push(rate[side.name]!);
    }
    ratios.push(rate.unleash! / rate.embedded!);
    progress(
      `throughput pair ${pair + 1}/${bursts}: ratio ${ratios.at(-1)!.toFixed(3)}, load ${loadAverage()}`,
    );
  }
  console.log(
    `\ngateway throughput at canary 50%, closed loop of 8, ${requests} requests a burst, ${bursts} pairs`,
  );
  console.log(
    table([
      ['flags', 'median req/s'],
      ...sides.map((side) => [side.name, median(rates[side.name]!).toFixed(0)]),
    ]),
  );
  console.log(
    `unleash / embedded: median ${median(ratios).toFixed(3)} (pairs: ${ratios.map((r) => r.toFixed(3)).join(' ')}); target >= 0.95`,
  );
  console.log(`load average at the end: ${loadAverage()}`);
  for (const side of sides) await side.writer.close();
} finally {
  loadGenerator?.kill();
  await Promise.all(processes.map((p) => p.stop()));
  await unleash.stop();
  await postgres.stop();
  rmSync(shared, { recursive: true, force: true });
}
