/**
 * The flag backend outage row on the production topology: the store on PostgreSQL and the flags in a
 * real Unleash server (test/support/unleash.ts, on a database of the same PostgreSQL), read by the gateway
 * through unleash-client and written by the worker's rollout activities through the Admin API. Users send
 * predictions and feedback while a cycle rolls out its candidate; once the gateway serves the canary step,
 * the Unleash process is stopped for `unleashOutageMs` and started again on the same database. Counted:
 * requests during the outage and their answers, whether each user keeps the arm it had (and the canary
 * share before, during and after), predictions answered 200 that are not in the store, the rollout's flag
 * writes that failed and were retried, the cycle's outcome, how long after Unleash answered again the
 * gateway's first flag refresh succeeded (its own log line), and log lines that read as a crash.
 */
import { mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import { driftedChampion } from '../test/support/era-traffic.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import type { Answer } from '../test/support/rollout-traffic.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from '../test/support/unleash.ts';
import { rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import {
  type ChaosRow,
  type ChaosSettings,
  cycleConfig,
  cycleOutcomes,
  cycleResult,
  describeCounts,
  pause,
  Traffic,
  until,
} from './chaos-campaign.ts';
import { duplicatesOf, lostPredictions } from './chaos-counts.ts';
import { chaosProgress } from './chaos-progress.ts';
import { type ChaosStack, startChaosStack } from './chaos-stack.ts';

const say = chaosProgress('unleash outage');

/** Enough attempts for a flag write to outlast the outage (the default, 5, gives up after ~15 s). */
const OUTLASTING_RETRY = { initialInterval: '200ms', maximumInterval: '2s', maximumAttempts: 150 };
/** How long the cycle may take to end once Unleash is back before the row counts it as stuck. */
const CYCLE_LIMIT_MS = 10 * 60_000;

export interface UnleashOutageStack {
  stack: ChaosStack;
  postgres: ThrowawayPostgres;
  unleash: ThrowawayUnleash;
  /** The gateway's log lines (info and up), parsed. */
  gatewayLines: Array<Record<string, unknown>>;
  /** What the worker processes wrote on stderr, line by line. */
  workerLines: string[];
  close(): Promise<void>;
}

/**
 * PostgreSQL, Unleash on it, and the campaign's stack over both: the worker processes (forked with this
 * environment) and the gateway read FLYWHEEL_FLAGS=unleash. Their logs are held here, not printed: a
 * gateway warns on every failed flag refresh, which is the expected chatter of this row.
 */
export async function startUnleashOutageStack(root: string): Promise<UnleashOutageStack> {
  mkdirSync(root, { recursive: true });
  const postgres = await startThrowawayPostgres();
  let unleash: ThrowawayUnleash | null = null;
  const envBefore = { ...process.env };
  const restoreEnv = () => {
    for (const name of Object.keys(process.env)) if (!(name in envBefore)) delete process.env[name];
    Object.assign(process.env, envBefore);
  };
  try {
    unleash = await startThrowawayUnleash(postgres);
    Object.assign(process.env, unleash.env());
    const gatewayLines: Array<Record<string, unknown>> = [];
    const gatewayLogger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n')) if (line.trim()) gatewayLines.push(JSON.parse(line));
          done();
        },
      }),
    );
    const workerLines: string[] = [];
    let partial = '';
    const workerOutput = (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      workerLines.push(...lines.filter((line) => line.trim() !== ''));
    };
    const stack = await startChaosStack(root, workerOutput, postgres.url, gatewayLogger);
    const started = unleash;
    return {
      stack,
      postgres,
      unleash: started,
      gatewayLines,
      workerLines,
      async close() {
        await stack.close();
        await started.stop();
        await postgres.stop();
        restoreEnv();
      },
    };
  } catch (error) {
    await unleash?.stop();
    await postgres.stop();
    restoreEnv();
    throw error;
  }
}

export async function unleashOutage(
  setup: Pick<UnleashOutageStack, 'stack' | 'unleash' | 'gatewayLines' | 'workerLines'>,
  settings: ChaosSettings,
): Promise<ChaosRow> {
  const { stack, unleash, gatewayLines, workerLines } = setup;
  if (stack.deps.flags.kind !== 'unleash')
    throw new Error('chaos: the Unleash outage row needs FLYWHEEL_FLAGS=unleash');
  const model = 'chaos-unleash';
  const outageS = Math.round(settings.unleashOutageMs / 1000);
  await driftedChampion(stack.deps, model, settings.seed + 4_000);
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const users = traffic.start(model, settings.seed + 4_000);
  let workflowId = '';
  let frozen: RolloutState | null = null;
  let servingFrom = 0;
  let outageFrom = 0;
  let outageTo = 0;
  let stateChangedAt = 0;
  let backAt = 0;
  let refreshedAgainMs: number | null = null;
  let failedPolls = 0;
  let flagWriteAttempts = 0;
  const retriedActivities = new Set<string>();
  let rolloutOutcome = 'none';
  try {
    const started = await stack.client.startCycle(model, {
      config: cycleConfig(stack, 'none', undefined, OUTLASTING_RETRY),
    });
    workflowId = started.workflowId;
    const done = cycleResult(stack, workflowId).catch(() => null);
    // The outage freezes a canary step: wait until Unleash holds one and the gateway serves it.
    let stepWritten = 0;
    await until('the canary step served', async () => {
      const status = await stack.client.cycleStatus(model);
      if (status.outcome !== 'running') return true;
      if (status.stage !== 'rolling-out') return false;
      const flags = (await stack.client.rolloutStatus(model)).flags;
      if (flags?.mode !== 'canary') return false;
      stepWritten ||= Date.now();
      servingFrom = users.answers.findIndex((a) => a.at > stepWritten && a.variant === 'canary');
      return servingFrom >= 0 && users.answers.length >= servingFrom + 200;
    });
    if (servingFrom < 0) servingFrom = users.answers.length;
    frozen = await stack.deps.flags.read(model);
    say(`stopping Unleash for ${outageS} s with the gateway serving ${describeState(frozen)}`);
    const linesBefore = gatewayLines.length;
    outageFrom = users.answers.length;
    await unleash.stop();
    const stoppedAt = Date.now();
    // The rollout's flag activities fail while Unleash is away and are retried (sampled every second).
    const rollout = stack.client.temporal.workflow.getHandle(rolloutWorkflowId(model));
    while (Date.now() - stoppedAt < settings.unleashOutageMs) {
      const description = await rollout.describe().catch(() => null);
      for (const activity of description?.raw.pendingActivities ?? []) {
        if (!(activity.lastFailure?.message ?? '').includes('cannot reach Unleash')) continue;
        retriedActivities.add(activity.activityType?.name ?? '?');
        flagWriteAttempts = Math.max(flagWriteAttempts, activity.attempt ?? 0);
      }
      await pause(1_000);
    }
    outageTo = users.answers.length;
    await unleash.restart();
    backAt = Date.now();
    say('Unleash is back; waiting for the gateway to refresh its flags and for the cycle');
    await until(
      "the gateway's first successful flag refresh",
      async () => gatewayLines.slice(linesBefore).some(isRefreshedAgain),
      5 * 60_000,
    ).catch(() => {});
    const again = gatewayLines.slice(linesBefore).find(isRefreshedAgain);
    if (again) {
      refreshedAgainMs = Math.max(0, Number(again.time) - backAt);
      failedPolls = Number(again.failedPolls);
    }
    // The frozen state holds until the rollout's next write lands: the answers up to then are "after".
    // The gateway cannot be ahead of Unleash, so every answer recorded before a read that still found
    // the frozen state was served under it; answers after the last such read may be under the new one.
    let finished = false;
    done.finally(() => {
      finished = true;
    });
    await until(
      'the next flag write',
      async () => {
        const answered = users.answers.length;
        const state = await stack.deps.flags.read(model);
        const changed = JSON.stringify(state) !== JSON.stringify(frozen);
        if (!changed) stateChangedAt = answered;
        return finished || changed;
      },
      CYCLE_LIMIT_MS,
    ).catch(() => {});
    // Bounded, so that a rollout stuck after the outage is a count, not a hang.
    const left = Math.max(0, CYCLE_LIMIT_MS - (Date.now() - backAt));
    const result = await Promise.race([done, pause(left).then(() => 'still running' as const)]);
    rolloutOutcome = result === 'still running' ? result : (result?.outcome ?? 'failed-workflow');
  } finally {
    await traffic.stop();
  }
  await stack.gateway.close().catch(() => {});
  const served = users.answers.filter((a) => a.status === 200).map((a) => a.predictionId);
  const lostPredictionCount = await lostPredictions(stack.deps.store, served);
  const stored = new Set(
    (await stack.deps.store.feedback.listForPredictions([...users.feedbackTaken.keys()])).map((f) => f.id),
  );
  const feedbackLost = [...users.feedbackTaken.values()].filter((id) => !stored.has(id)).length;
  await stack.replaceGateway();

  const before = users.answers.slice(servingFrom, outageFrom);
  const during = users.answers.slice(outageFrom, outageTo);
  const after = users.answers.slice(outageTo, stateChangedAt);
  const armOf = new Map(before.filter((a) => a.status === 200).map((a) => [a.user, a.variant]));
  const armChanges = [...during, ...after].filter(
    (a) => a.status === 200 && armOf.has(a.user) && armOf.get(a.user) !== a.variant,
  ).length;
  const errorsDuring = during.filter((a) => a.status !== 200).length;
  const statuses: Record<string, number> = {};
  for (const answer of users.answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  const notServed = users.answers.length - served.length;
  const crashLines = [
    ...gatewayLines.filter((line) => Number(line.level) >= 50).map((line) => JSON.stringify(line)),
    ...workerLines.filter(readsAsCrash),
  ];
  if (crashLines.length > 0) say(`lines that read as a crash:\n${crashLines.slice(0, 5).join('\n')}`);
  const outcomes =
    rolloutOutcome === 'still running'
      ? { byOutcome: { 'still running': 1 } }
      : await cycleOutcomes(stack, [workflowId]);
  const rolloutEnded = rolloutOutcome === 'promoted' || rolloutOutcome === 'rolled-back' ? 1 : 0;
  return {
    fault: `flag backend outage (Unleash stopped ${outageS} s)`,
    injected: 1,
    affected: during.length,
    completed: during.length - errorsDuring,
    lost: lostPredictionCount + feedbackLost,
    duplicates: await duplicatesOf(stack.deps.store, [model]),
    maxRecoveryMs: refreshedAgainMs,
    extra: {
      errorsDuring,
      notServed,
      lostPredictions: lostPredictionCount,
      feedbackLost,
      armChanges,
      crashLines: crashLines.length,
      failedPolls,
      flagWriteAttempts,
      rolloutEnded,
      unexpectedWorkerExits: stack.unexpectedWorkerExits(),
    },
    notes:
      `froze ${frozen ? describeState(frozen) : '—'}; requests ${users.answers.length} (${during.length} during the outage), ${describeCounts(statuses)}; ` +
      `canary share before ${share(before)}, during ${share(during)}, after ${share(after)}; ${armChanges} answers in another arm than the user's before; ` +
      `served ${served.length}, ${lostPredictionCount} not in the store; feedback ${users.feedbackTaken.size} taken, ${feedbackLost} not in the store; ` +
      `recovery = the gateway's first successful flag refresh after Unleash answered again (${failedPolls} refreshes failed before it); ` +
      `flag activities retried during the outage: ${[...retriedActivities].join(', ') || 'none'} (up to attempt ${flagWriteAttempts}); ` +
      `the cycle: ${describeCounts(outcomes.byOutcome)}; ${crashLines.length} crash lines; ${stack.unexpectedWorkerExits()} unexpected worker exits`,
  };
}

function isRefreshedAgain(line: Record<string, unknown>): boolean {
  return line.msg === 'flags refreshed from Unleash again';
}

/** A worker line that is not one of its own log records below error: a stack trace, an uncaught error. */
function readsAsCrash(line: string): boolean {
  try {
    const record = JSON.parse(line) as { level?: number };
    return Number(record.level) >= 50;
  } catch {
    return true;
  }
}

function share(answers: readonly Answer[]): string {
  const ok = answers.filter((a) => a.status === 200);
  if (ok.length === 0) return '— (0)';
  const canary = ok.filter((a) => a.variant === 'canary').length;
  return `${((100 * canary) / ok.length).toFixed(1)}% (${ok.length})`;
}

function describeState(state: RolloutState): string {
  return state.mode === 'canary' ? `canary ${state.percent}%` : state.mode;
}
