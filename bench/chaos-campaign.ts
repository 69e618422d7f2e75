/**
 * The reliability campaign: faults injected on purpose into the embedded stack while full cycles run
 * and users send traffic, with everything counted from the store, the registry and Temporal. Durations
 * and counts are settings: `bench/chaos.ts` runs the full campaign, `test/chaos.test.ts` a short one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import { monitorStatus, startMonitor, stopMonitor } from '../client/monitors.ts';
import { mulberry32 } from '../core/model/prng.ts';
import { driftedChampion, era1Champion, era2 } from '../test/support/era-traffic.ts';
import {
  type Answer,
  fastRollout,
  JUDGED_ON_ENOUGH_FEEDBACK,
  predict,
} from '../test/support/rollout-traffic.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import {
  type Duplicates,
  duplicatesOf,
  lostPredictions,
  progressOfAll,
  recoveryMs,
  runningWorkflows,
} from './chaos-counts.ts';
import type { ChaosStack } from './chaos-stack.ts';

export interface ChaosSettings {
  seed: number;
  /** Worker kill -9 count, at seeded random moments while cycles run. */
  kills: number;
  /** Bounds of the seeded pause before each kill, from the moment the previous replacement polls (ms). */
  killGapMs: [number, number];
  /** Models whose cycles run side by side during the kills. */
  parallelCycles: number;
  /** Restart the Temporal dev server during a review wait and during a rollout soak. */
  temporalRestarts: boolean;
  /** The review's deadline in the restart row: the review wait the first restart lands in (ms). */
  reviewDeadlineMs: number;
  /** How long the embedded flag file stays locked by another process (ms); 0 skips the row. */
  flagOutageMs: number;
  /** How long the gateway is sent twice what it served in the capacity probe (ms); 0 skips the row. */
  saturationMs: number;
  /** The gateway's bound during saturation (its default is 256; the load generator has this many sockets). */
  saturationMaxInFlight: number;
  /** Runs of the long-lived monitor (each a continue-as-new); 0 skips the row. */
  monitorGenerations: number;
  /** Users' request loops per model. */
  usersConcurrency: number;
  /** How long PostgreSQL stays stopped in the store outage row (ms); 0 skips the row. */
  storeOutageMs: number;
  /** Continue-as-new a paused rollout goes through before it is resumed; 0 skips the row. */
  pausedGenerations: number;
  /** How long the Unleash server stays stopped in the flag backend outage row on Unleash (ms); 0 skips it. */
  unleashOutageMs: number;
}

export const FULL_CAMPAIGN: ChaosSettings = {
  seed: 19,
  kills: 20,
  killGapMs: [3_000, 20_000],
  parallelCycles: 2,
  temporalRestarts: true,
  reviewDeadlineMs: 40_000,
  flagOutageMs: 60_000,
  saturationMs: 60_000,
  saturationMaxInFlight: 32,
  usersConcurrency: 2,
  monitorGenerations: 4,
  storeOutageMs: 30_000,
  pausedGenerations: 3,
  unleashOutageMs: 60_000,
};

export interface ChaosRow {
  fault: string;
  injected: number;
  /** Workflows running when a fault hit (cycles and their children), counted once each. */
  affected: number;
  /** Of those, the ones that ended as they would without the fault; for traffic rows, requests answered. */
  completed: number;
  /** Predictions answered 200 but not in the store. */
  lost: number;
  duplicates: Duplicates;
  maxRecoveryMs: number | null;
  /** What else the row saw (stages hit, statuses, drops). */
  notes: string;
  /** Figures a test checks beyond the columns (e.g. answers other than 200 and 503). */
  extra?: Record<string, number>;
}

export const NO_DUPLICATES: Duplicates = { datasets: 0, models: 0, audit: 0 };

/**
 * A cycle learning from drifted traffic: auto labels, or a review that closes itself at its deadline.
 * `retry` replaces the activities' retry policy (the store outage row gives them enough attempts to
 * outlast the outage).
 */
export function cycleConfig(
  stack: ChaosStack,
  review: 'none' | 'deadline',
  reviewDeadlineMs = 40_000,
  retry: Record<string, unknown> = { initialInterval: '200ms', maximumInterval: '1s' },
) {
  return {
    training: { taskQueue: stack.trainingTaskQueue, params: { epochs: 4 } },
    mining: { labelBudget: review === 'none' ? 0 : 10 },
    ...(review === 'deadline'
      ? {
          review: {
            deadline: `${Math.round(reviewDeadlineMs / 1000)}s`,
            reminderAfter: `${Math.round(reviewDeadlineMs / 2000)}s`,
            minLabelsAtDeadline: 1,
          },
        }
      : {}),
    // Each canary step is judged on 100 rated predictions per arm, soaked 3 s at a time, extended while
    // the evidence is short, and paused for a human after 100 extensions (5 min of soak). The users who
    // send that evidence belong to running cycles only (see workerKills): on a busy machine the gateway's
    // answers go to the rollouts that need them, so the bound is not reached for want of traffic.
    ...fastRollout({ steps: ['shadow', 25, 100], soak: '3s', ...JUDGED_ON_ENOUGH_FEEDBACK }),
    // A killed attempt is retried once its heartbeat timeout passes. Training heartbeats as it goes, so
    // its timeout can be short; the other activities keep the defaults (5 min, 30 s), since most of them
    // do not heartbeat and a shorter bound would time them out on a busy machine, killed or not.
    activities: {
      retry,
      training: { startToClose: '30m', heartbeat: '10s' },
    },
  };
}

/**
 * Users of one model: each loop sends a message and, on half the answers, true feedback. A request that
 * fails (no answer at all) is kept as status 0: a campaign counts it, it does not stop on it. Feedback
 * refused with 503 (the store away) is sent again once its Retry-After has passed, by one retrier, as a
 * well-behaved client would; the loops go on sending predictions and feedback meanwhile (each loop waits
 * for its own feedback's answer, so what it sends stays at the pace the gateway answers).
 */
export class Users {
  readonly answers: Answer[] = [];
  /** Feedback ids the gateway acknowledged (201 recorded, 200 already recorded), by prediction id. */
  readonly feedbackTaken = new Map<string, string>();
  /** Feedback answers by status, retries included. */
  readonly feedbackStatuses: Record<number, number> = {};
  #stopped = false;
  readonly #loops: Promise<void>[];
  readonly #url: string;
  readonly #toRetry: Array<{ answer: Answer; notBefore: number }> = [];
  #retrier: Promise<void> | null = null;

  constructor(
    url: string,
    model: string,
    messages: readonly CorpusMessage[],
    concurrency: number,
    seed: number,
  ) {
    this.#url = url;
    const random = mulberry32(seed);
    const loop = async () => {
      while (!this.#stopped) {
        const user = `user-${Math.floor(random() * 300)}`;
        const message = messages[Math.floor(random() * messages.length)]!;
        const request = { text: message.text.slice(0, 1_000), label: message.label };
        const at = Date.now();
        const answer = await predict(url, model, user, request).catch(
          (): Answer => ({
            user,
            at,
            status: 0,
            predictionId: '',
            variant: '',
            modelVersion: '',
            label: '',
            truth: message.label,
          }),
        );
        this.answers.push(answer);
        if (answer.status === 200 && random() < 0.5) await this.#sendFeedback(answer);
        if (answer.status === 0) await pause(100);
      }
    };
    this.#loops = Array.from({ length: concurrency }, loop);
  }

  /** Sends one feedback; a 503 goes to the retrier with its Retry-After. */
  async #sendFeedback(answer: Answer): Promise<boolean> {
    const { status, retryAfterMs } = await postFeedback(this.#url, answer).catch(() => ({
      status: 0,
      retryAfterMs: 1_000,
    }));
    this.feedbackStatuses[status] = (this.feedbackStatuses[status] ?? 0) + 1;
    if (status === 200 || status === 201)
      this.feedbackTaken.set(answer.predictionId, `fb-${answer.predictionId}`);
    if (status !== 503) return true;
    this.#retryLater(answer, retryAfterMs);
    return false;
  }

  #retryLater(answer: Answer, retryAfterMs: number): void {
    this.#toRetry.push({ answer, notBefore: Date.now() + retryAfterMs });
    this.#retrier ??= (async () => {
      while (this.#toRetry.length > 0) {
        const { answer: next, notBefore } = this.#toRetry.shift()!;
        await pause(Math.max(0, notBefore - Date.now()));
        const { status, retryAfterMs: again } = await postFeedback(this.#url, next).catch(() => ({
          status: 0,
          retryAfterMs: 1_000,
        }));
        this.feedbackStatuses[status] = (this.feedbackStatuses[status] ?? 0) + 1;
        if (status === 200 || status === 201)
          this.feedbackTaken.set(next.predictionId, `fb-${next.predictionId}`);
        // Still refused: it stays first in line.
        if (status === 503 || status === 0)
          this.#toRetry.unshift({ answer: next, notBefore: Date.now() + again });
      }
      this.#retrier = null;
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    // Feedback refused during an outage is sent until it is taken (the store is back by now).
    while (this.#retrier) await this.#retrier;
  }
}

/** Feedback for an answer (its truth), with the Retry-After of a refusal in ms. */
async function postFeedback(url: string, answer: Answer): Promise<{ status: number; retryAfterMs: number }> {
  const response = await fetch(`${url}/v1/predictions/${answer.predictionId}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      feedbackId: `fb-${answer.predictionId}`,
      kind: answer.label === answer.truth ? 'correct' : 'incorrect',
      userKey: answer.user,
    }),
  });
  await response.body?.cancel();
  const seconds = Number(response.headers.get('retry-after') ?? 1);
  return { status: response.status, retryAfterMs: (Number.isFinite(seconds) ? seconds : 1) * 1000 };
}

/** Users of every model the campaign uses, answering through the gateway, with their 200s kept. */
export class Traffic {
  readonly #users: Users[] = [];
  readonly #stack: ChaosStack;
  readonly #concurrency: number;
  readonly #messages = era2().traffic;

  constructor(stack: ChaosStack, concurrency: number) {
    this.#stack = stack;
    this.#concurrency = concurrency;
  }

  start(model: string, seed: number): Users {
    const users = new Users(this.#stack.gateway.address, model, this.#messages, this.#concurrency, seed);
    this.#users.push(users);
    return users;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#users.map((users) => users.stop()));
  }
}

export async function cycleResult(stack: ChaosStack, workflowId: string): Promise<CycleStatus> {
  return (await stack.client.temporal.workflow.getHandle(workflowId).result()) as CycleStatus;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it holds; the campaign's waits are for states, never for a time. */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  limitMs = 20 * 60_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`chaos: gave up waiting for ${what}`);
    await pause(250);
  }
}

/**
 * Worker kill -9 at seeded random moments while `parallelCycles` cycles run (rounds of cycles until
 * every kill has landed). Each kill names the stage of every running cycle at that moment. On the
 * production topology each kill picks (seeded) the `--no-training` or the `--training-only` worker.
 *
 * A model's users stop once its cycle ends. They used to run to the end of the row, so in its fifth round
 * eight of ten models sending traffic had finished: the gateway's answers were shared by 20 request loops
 * of which 4 fed a rollout. At load 8 one 25% canary step gathered 96 of its 100 rated candidate
 * predictions in 100 extensions (over 5 min of soak: about 2.5 answers a second for its model, a quarter
 * of them on the candidate, half of those rated), paused itself as inconclusive and waited for a human. The evidence a step needs is unchanged (100 rated predictions per arm, feedback required, half
 * the answers rated, as before); only traffic nobody judges is no longer sent.
 */
export async function workerKills(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  const random = mulberry32(settings.seed);
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const models: string[] = [];
  const cycles: string[] = [];
  const affected = new Set<string>();
  const stagesHit = new Map<string, number>();
  const answered: Users[] = [];
  const victims = new Map<string, number>();
  /** Longest time from a kill until its replacement polled. */
  let maxReplacement = 0;
  let kills = 0;
  let maxRecovery: number | null = null;
  let round = 0;
  try {
    while (kills < settings.kills) {
      round++;
      const running: Array<{ model: string; workflowId: string; done: Promise<CycleStatus> }> = [];
      for (let i = 0; i < settings.parallelCycles; i++) {
        const model = `chaos-kill-${round}-${i}`;
        await driftedChampion(stack.deps, model, settings.seed + round * 10 + i);
        models.push(model);
        const users = traffic.start(model, settings.seed + round * 10 + i);
        answered.push(users);
        const started = await stack.client.startCycle(model, { config: cycleConfig(stack, 'none') });
        cycles.push(started.workflowId);
        const done = cycleResult(stack, started.workflowId);
        done.finally(() => users.stop()).catch(() => {});
        running.push({ model, workflowId: started.workflowId, done });
      }
      let open = running.length;
      for (const cycle of running) cycle.done.finally(() => open--).catch(() => {});
      while (open > 0 && kills < settings.kills) {
        const [low, high] = settings.killGapMs;
        await pause(low + random() * (high - low));
        if (open === 0) break;
        const hit = await runningWorkflows(stack.client);
        for (const cycle of running) {
          const status = await stack.client.cycleStatus(cycle.model).catch(() => null);
          if (status && status.outcome === 'running') {
            stagesHit.set(status.stage, (stagesHit.get(status.stage) ?? 0) + 1);
          }
        }
        for (const id of hit) affected.add(id);
        const before = await progressOfAll(stack.client, hit);
        const killedAt = Date.now();
        const victim = await stack.killWorker(random);
        maxReplacement = Math.max(maxReplacement, Date.now() - killedAt);
        victims.set(victim, (victims.get(victim) ?? 0) + 1);
        kills++;
        const recovered = await recoveryMs(stack.client, before, killedAt, 5 * 60_000);
        if (recovered !== null) maxRecovery = Math.max(maxRecovery ?? 0, recovered);
      }
      await Promise.allSettled(running.map((cycle) => cycle.done));
    }
  } finally {
    await traffic.stop();
  }
  const outcomes = await cycleOutcomes(stack, cycles);
  await stack.gateway.close().catch(() => {});
  const lost = await lostOf(stack, answered);
  await stack.replaceGateway();
  let failedTasks = 0;
  for (const id of await workflowsOf(stack, models)) failedTasks += await failedWorkflowTasks(stack, id);
  const steps = await extensionsOf(stack, models);
  const production = stack.topology === 'production';
  return {
    fault: production ? 'worker kill -9 (production topology)' : 'worker kill -9',
    injected: kills,
    affected: affected.size,
    completed: outcomes.promoted,
    lost,
    duplicates: await duplicatesOf(stack.deps.store, models),
    maxRecoveryMs: maxRecovery,
    extra: {
      cycles: cycles.length,
      unexpectedWorkerExits: stack.unexpectedWorkerExits(),
      failedTasks,
      mainKills: victims.get('main') ?? 0,
      trainingKills: victims.get('training') ?? 0,
      maxExtensions: steps.maxExtensions,
      maxReplacementMs: maxReplacement,
    },
    notes:
      `${topologyNote(stack)}; ${cycles.length} cycles (${describeCounts(outcomes.byOutcome)}); ` +
      `kills: ${describeCounts(Object.fromEntries(victims))}, landed in ${describeCounts(Object.fromEntries(stagesHit))}; ` +
      `replacements polling within ${(maxReplacement / 1000).toFixed(1)} s of their kill; ` +
      `${stack.unexpectedWorkerExits()} unexpected worker exits; ${failedTasks} failed workflow tasks; ` +
      `rollout steps extended at most ${steps.maxExtensions} times (${steps.steps} steps; a step pauses for a human after ${JUDGED_ON_ENOUGH_FEEDBACK.maxExtensions})`,
  };
}

/**
 * The dev server stopped and started again on its database file: once while a cycle waits for its
 * review, once while its rollout soaks a step.
 */
export async function temporalRestarts(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  const model = 'chaos-restart';
  await driftedChampion(stack.deps, model, settings.seed + 1_000);
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const users = traffic.start(model, settings.seed + 1_000);
  const affected = new Set<string>();
  let injected = 0;
  let maxRecovery: number | null = null;
  const restart = async () => {
    const victims = await runningWorkflows(stack.client);
    for (const id of victims) affected.add(id);
    const before = await progressOfAll(stack.client, victims);
    const at = Date.now();
    await stack.restartTemporal();
    injected++;
    const recovered = await recoveryMs(stack.client, before, at, 5 * 60_000);
    if (recovered !== null) maxRecovery = Math.max(maxRecovery ?? 0, recovered);
  };
  let workflowId: string;
  try {
    const started = await stack.client.startCycle(model, {
      config: cycleConfig(stack, 'deadline', settings.reviewDeadlineMs),
    });
    workflowId = started.workflowId;
    await until(
      'the review wait',
      async () => (await stack.client.cycleStatus(model)).stage === 'waiting-for-review',
    );
    await restart();
    await until('a rollout soak', async () => {
      const status = await stack.client.cycleStatus(model);
      if (status.outcome !== 'running') return true;
      if (status.stage !== 'rolling-out') return false;
      return (await stack.client.rolloutStatus(model)).phase === 'soaking';
    });
    if ((await stack.client.cycleStatus(model)).outcome === 'running') await restart();
    await cycleResult(stack, workflowId).catch(() => null);
  } finally {
    await traffic.stop();
  }
  const outcomes = await cycleOutcomes(stack, [workflowId]);
  await stack.gateway.close().catch(() => {});
  const lost = await lostOf(stack, [users]);
  await stack.replaceGateway();
  return {
    fault:
      stack.topology === 'production'
        ? 'Temporal server restart (production topology)'
        : 'Temporal server restart',
    injected,
    affected: affected.size,
    completed: outcomes.promoted,
    lost,
    duplicates: await duplicatesOf(stack.deps.store, [model]),
    maxRecoveryMs: maxRecovery,
    extra: { cycles: 1 },
    notes: `${topologyNote(stack)}; once in the review wait, once in a rollout soak; the cycle: ${describeCounts(outcomes.byOutcome)}`,
  };
}

/** The embedded flag file held under an exclusive lock by another process while users send traffic. */
export async function flagOutage(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  const model = 'chaos-flags';
  await driftedChampion(stack.deps, model, settings.seed + 2_000);
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const users = traffic.start(model, settings.seed + 2_000);
  await until('traffic', async () => users.answers.length >= 20);
  const before = users.answers.length;
  const lockedAt = Date.now();
  await holdFileLock(join(stack.dataDir, 'flags.db'), settings.flagOutageMs);
  const during = users.answers.slice(before);
  const afterOutage = users.answers.length;
  await until('traffic after the outage', async () => users.answers.length >= afterOutage + 20);
  const firstAfter = users.answers[afterOutage];
  await traffic.stop();
  await stack.gateway.close().catch(() => {});
  const lost = await lostOf(stack, [users]);
  await stack.replaceGateway();
  const errors = during.filter((answer) => answer.status !== 200).length;
  return {
    fault: 'flag backend outage',
    injected: 1,
    affected: during.length,
    completed: during.length - errors,
    lost,
    duplicates: NO_DUPLICATES,
    maxRecoveryMs: firstAfter ? Math.max(0, firstAfter.at - (lockedAt + settings.flagOutageMs)) : null,
    notes: `${Math.round(settings.flagOutageMs / 1000)} s write-locked by another process; ${during.length} requests during it, ${errors} not 200`,
    extra: { errors },
  };
}

/**
 * Long life: a monitor checking every second, continuing as new every `checksPerRun` checks, until it
 * is in its `generations`-th run, with the worker killed once on the way. Its counters must carry over
 * every hand-over and no workflow task may fail.
 */
export async function longLife(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  const model = 'chaos-monitor';
  await era1Champion(stack.deps, model);
  const checksPerRun = 3;
  const { workflowId } = await startMonitor(stack.client, model, {
    // Never enough traffic to judge: the monitor only looks, so it never asks this worker to start a cycle.
    policy: { checkEvery: '1s', window: '4s', minWindowPredictions: 1_000_000, cooldown: '1h' },
    cycleConfig: { mining: { labelBudget: 0 } },
    checksPerRun,
  });
  const status = () => monitorStatus(stack.client, model);
  await until('a first check', async () => (await status()).recent.length >= 1);
  const { since } = await status();
  await until('the second run', async () => (await status()).runs >= 2);
  const before = await progressOfAll(stack.client, [workflowId]);
  const killedAt = Date.now();
  await stack.killWorker();
  const recovered = await recoveryMs(stack.client, before, killedAt, 5 * 60_000);
  await until(
    `run ${settings.monitorGenerations}`,
    async () => (await status()).runs >= settings.monitorGenerations,
  );
  const last = await status();
  await stopMonitor(stack.client, model);
  const failedTasks = await failedWorkflowTasks(stack, workflowId);
  // The checks of the earlier runs are still in the monitor's memory (it keeps the last 12), and it
  // still knows when its first run began: nothing was lost in a hand-over.
  const expected = Math.min(12, (last.runs - 1) * checksPerRun + last.checksThisRun);
  const carried = last.recent.length >= expected && last.since === since;
  return {
    fault: `long life: monitor through ${settings.monitorGenerations - 1} continue-as-new`,
    injected: 1,
    affected: 1,
    completed: carried && failedTasks === 0 ? 1 : 0,
    lost: 0,
    duplicates: NO_DUPLICATES,
    maxRecoveryMs: recovered,
    extra: { runs: last.runs, checksRemembered: last.recent.length, failedTasks },
    notes: `${last.runs} runs (continue-as-new every ${checksPerRun} checks), ${last.recent.length} checks remembered across them (${expected} expected), ${failedTasks} failed workflow tasks; one worker kill -9 in run 2`,
  };
}

/** Which stack a row ran on, for its notes. */
export function topologyNote(stack: ChaosStack): string {
  return stack.topology === 'production'
    ? 'production topology (store and capture on PostgreSQL, flags in Unleash, artifacts in S3, a --no-training and a --training-only worker)'
    : 'embedded stack';
}

/** Every workflow of these models the server knows (cycles, their reviews and rollouts, any run). */
export async function workflowsOf(stack: ChaosStack, models: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for await (const execution of stack.client.temporal.workflow.list()) {
    const id = execution.workflowId;
    if (models.some((model) => id.endsWith(`-${model}`) || id.includes(`-${model}-`))) ids.add(id);
  }
  return [...ids];
}

/**
 * How often the rollouts of these models extended one step (its inconclusive analyses), read from their
 * audit trail: how close a step came to pausing for a human.
 */
export async function extensionsOf(
  stack: ChaosStack,
  models: readonly string[],
): Promise<{ steps: number; maxExtensions: number }> {
  const inconclusive = new Map<string, number>();
  for (const model of models) {
    for (const event of await stack.deps.store.audit.list({ model })) {
      if (event.kind !== 'rollout-analysis') continue;
      const details = event.details as { rolloutId?: string; stepIndex?: number; verdict?: string };
      const step = `${details.rolloutId} ${details.stepIndex}`;
      inconclusive.set(step, (inconclusive.get(step) ?? 0) + (details.verdict === 'inconclusive' ? 1 : 0));
    }
  }
  return { steps: inconclusive.size, maxExtensions: Math.max(0, ...inconclusive.values()) };
}

export async function failedWorkflowTasks(stack: ChaosStack, workflowId: string): Promise<number> {
  const { EventType } = proto.temporal.api.enums.v1;
  let failed = 0;
  for await (const run of stack.client.temporal.workflow.list({ query: `WorkflowId="${workflowId}"` })) {
    const history = await stack.client.temporal.workflow.getHandle(workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failed++;
    }
  }
  return failed;
}

/**
 * Another process holds the flag file's write lock (an open write transaction), as a stuck flag
 * editor would: writers wait out their busy timeout and fail; readers go on reading the last state.
 */
async function holdFileLock(path: string, ms: number): Promise<void> {
  const script = `
    const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(process.argv[1], { timeout: 60000 });
    db.exec('BEGIN IMMEDIATE');
    process.send('locked');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); process.exit(0); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, path, String(ms)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const locked = await Promise.race([
    new Promise<boolean>((resolve) => child.once('message', () => resolve(true))),
    exited.then(() => false),
  ]);
  if (!locked) throw new Error('chaos: the flag lock holder exited before it held the lock');
  const code = await exited;
  if (code !== 0) throw new Error(`chaos: the flag lock holder exited with ${code}`);
}

export async function cycleOutcomes(stack: ChaosStack, workflowIds: readonly string[]) {
  const byOutcome: Record<string, number> = {};
  for (const id of workflowIds) {
    const outcome = await stack.client.temporal.workflow
      .getHandle(id)
      .result()
      .then(
        (status) => (status as CycleStatus).outcome,
        () => 'failed-workflow',
      );
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }
  return { byOutcome, promoted: byOutcome.promoted ?? 0 };
}

export async function lostOf(stack: ChaosStack, users: readonly Users[]): Promise<number> {
  const ids = users.flatMap((u) => u.answers.filter((a) => a.status === 200).map((a) => a.predictionId));
  return lostPredictions(stack.deps.store, ids);
}

export function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ×${n}`).join(', ');
}

export function formatTable(rows: readonly ChaosRow[]): string {
  const header = [
    'fault',
    'injected',
    'workflows affected',
    'completed',
    'lost events',
    'duplicates (datasets/models/audit)',
    'max recovery',
  ];
  const lines = rows.map((row) => [
    row.fault,
    String(row.injected),
    String(row.affected),
    String(row.completed),
    String(row.lost),
    `${row.duplicates.datasets}/${row.duplicates.models}/${row.duplicates.audit}`,
    row.maxRecoveryMs === null ? '—' : `${(row.maxRecoveryMs / 1000).toFixed(1)} s`,
  ]);
  const table = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = rows.map((row) => `- ${row.fault}: ${row.notes}`);
  return [...table, '', ...notes].join('\n');
}
