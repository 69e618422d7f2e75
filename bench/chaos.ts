/**
 * The reliability campaign (issue "faults injected on purpose"): runs the embedded stack — a Temporal
 * dev server on a database file, a worker process, the gateway, the embedded store — and breaks it on
 * purpose while cycles run and users send traffic, then prints one table counted from the store, the
 * registry and Temporal.
 *
 *   node bench/chaos.ts                       # the full campaign (about an hour on two busy cores)
 *   node bench/chaos.ts --kills 4 --flag-outage 10 --saturation 10 --no-restarts
 *   node bench/chaos.ts --only saturation,flags
 *   node bench/chaos.ts --only store-outage --store-outage 30
 *   node bench/chaos.ts --only paused-rollout --paused-generations 3
 *   node bench/chaos.ts --only unleash-outage --unleash-outage 60
 *   node bench/chaos.ts --only kills,restarts --kills 6 --topology production
 *
 * `--topology production` runs the kills and restarts rows on the production topology instead
 * (bench/chaos-production-stack.ts: store and capture on a throwaway PostgreSQL, flags in a real Unleash,
 * artifacts in S3, a `--no-training` and a `--training-only` worker, each kill picking one of them); the
 * other embedded rows stay on the embedded stack, whose flag file, for one, the flag outage row locks.
 *
 * The store outage row runs after the embedded rows, on a stack of its own over a throwaway PostgreSQL
 * (test/support/postgres.ts), which it stops and starts again. The Unleash outage row runs last, on the
 * production topology: a stack over another throwaway PostgreSQL and a real Unleash server on it
 * (test/support/unleash.ts), whose process it stops and starts again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import {
  type ChaosRow,
  type ChaosSettings,
  FULL_CAMPAIGN,
  flagOutage,
  formatTable,
  longLife,
  temporalRestarts,
  workerKills,
} from './chaos-campaign.ts';
import { pausedRollout } from './chaos-paused-rollout.ts';
import { startProductionChaosStack } from './chaos-production-stack.ts';
import { saturate } from './chaos-saturation.ts';
import { type ChaosStack, startChaosStack } from './chaos-stack.ts';
import { storeOutage } from './chaos-store-outage.ts';
import { startUnleashOutageStack, type UnleashOutageStack, unleashOutage } from './chaos-unleash-outage.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    kills: { type: 'string' },
    'flag-outage': { type: 'string' },
    saturation: { type: 'string' },
    'store-outage': { type: 'string' },
    'paused-generations': { type: 'string' },
    'unleash-outage': { type: 'string' },
    'no-restarts': { type: 'boolean' },
    only: { type: 'string' },
    topology: { type: 'string', default: 'embedded' },
  },
});
if (values.topology !== 'embedded' && values.topology !== 'production') {
  throw new Error(`--topology must be embedded or production (got ${values.topology})`);
}
/** Rows the production topology runs (the others are the embedded stack's). */
const PRODUCTION_ROWS = values.topology === 'production' ? ['kills', 'restarts'] : [];
const settings: ChaosSettings = {
  ...FULL_CAMPAIGN,
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  ...(values.kills ? { kills: Number(values.kills) } : {}),
  ...(values['flag-outage'] ? { flagOutageMs: Number(values['flag-outage']) * 1000 } : {}),
  ...(values.saturation ? { saturationMs: Number(values.saturation) * 1000 } : {}),
  ...(values['store-outage'] ? { storeOutageMs: Number(values['store-outage']) * 1000 } : {}),
  ...(values['unleash-outage'] ? { unleashOutageMs: Number(values['unleash-outage']) * 1000 } : {}),
  ...(values['no-restarts'] ? { temporalRestarts: false } : {}),
  ...(values['paused-generations'] ? { pausedGenerations: Number(values['paused-generations']) } : {}),
};
const only = new Set(
  (
    values.only ?? 'saturation,flags,kills,restarts,long-life,paused-rollout,store-outage,unleash-outage'
  ).split(','),
);
const EMBEDDED_ROWS = ['saturation', 'flags', 'kills', 'restarts', 'long-life', 'paused-rollout'].filter(
  (row) => !PRODUCTION_ROWS.includes(row),
);

const root = mkdtempSync(join(tmpdir(), 'flywheel-chaos-'));
let stack: ChaosStack | null = EMBEDDED_ROWS.some((row) => only.has(row))
  ? await startChaosStack(root)
  : null;
let postgres: ThrowawayPostgres | null = null;
let production: UnleashOutageStack | null = null;
const rows: ChaosRow[] = [];
const started = Date.now();
const print = (row: ChaosRow) => {
  rows.push(row);
  process.stderr.write(`chaos: ${row.fault} done after ${Math.round((Date.now() - started) / 1000)} s\n`);
};
// Stopped before the end (Ctrl-C, a time limit): the rows finished so far are still printed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write(
      `${formatTable(rows)}\n\nstopped by ${signal} after ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    // The dev server and the worker are child processes: stop them before leaving.
    // Side by side: a stack closing over a stopped server would wait for it; the time limit below ends it.
    const closing = Promise.allSettled([stack?.close(), postgres?.stop(), production?.close()]);
    const stopped = Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    stopped.finally(() => {
      rmSync(root, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
try {
  if (stack) {
    if (only.has('saturation') && settings.saturationMs > 0) print(await saturate(stack, settings));
    if (only.has('flags') && settings.flagOutageMs > 0) print(await flagOutage(stack, settings));
    if (EMBEDDED_ROWS.includes('kills') && only.has('kills') && settings.kills > 0)
      print(await workerKills(stack, settings));
    if (EMBEDDED_ROWS.includes('restarts') && only.has('restarts') && settings.temporalRestarts)
      print(await temporalRestarts(stack, settings));
    if (only.has('long-life') && settings.monitorGenerations > 0) print(await longLife(stack, settings));
    if (only.has('paused-rollout') && settings.pausedGenerations > 0)
      print(await pausedRollout(stack, settings));
  }
  const onProduction = PRODUCTION_ROWS.filter((row) => only.has(row));
  if (onProduction.length > 0) {
    await stack?.close();
    stack = null;
    stack = await startProductionChaosStack(join(root, 'production'));
    if (only.has('kills') && settings.kills > 0) print(await workerKills(stack, settings));
    if (only.has('restarts') && settings.temporalRestarts) print(await temporalRestarts(stack, settings));
  }
  if (only.has('store-outage') && settings.storeOutageMs > 0) {
    await stack?.close();
    stack = null;
    postgres = await startThrowawayPostgres();
    stack = await startChaosStack(join(root, 'postgres'), undefined, postgres.url);
    print(await storeOutage(stack, postgres, settings));
  }
  if (only.has('unleash-outage') && settings.unleashOutageMs > 0) {
    await stack?.close();
    stack = null;
    await postgres?.stop();
    postgres = null;
    production = await startUnleashOutageStack(join(root, 'unleash'));
    print(await unleashOutage(production, settings));
  }
} finally {
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(
    `\nseed ${settings.seed}; topology ${values.topology} (${PRODUCTION_ROWS.join(', ') || 'no rows'} on production); ${Math.round((Date.now() - started) / 1000)} s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  await stack?.close();
  await postgres?.stop();
  await production?.close();
  rmSync(root, { recursive: true, force: true });
}
