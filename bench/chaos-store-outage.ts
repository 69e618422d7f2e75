/**
 * The store outage row of the campaign: the stack runs on PostgreSQL, and the server is stopped (fast
 * shutdown: every session cut) for `storeOutageMs` while users send predictions and feedback and a
 * cycle rolls out its candidate. Counted: predictions answered 200 against those found in the store and
 * the drops the gateway counted (lost = served − found − dropped), feedback taken against feedback
 * stored, answers other than 200 for predictions, the capture queue at its highest, activity attempts
 * that failed, and the cycle's outcome.
 */
import proto from '@temporalio/proto';
import { driftedChampion } from '../test/support/era-traffic.ts';
import type { ThrowawayPostgres } from '../test/support/postgres.ts';
import {
  type ChaosRow,
  type ChaosSettings,
  cycleConfig,
  cycleOutcomes,
  cycleResult,
  describeCounts,
  failedWorkflowTasks,
  pause,
  Traffic,
  until,
} from './chaos-campaign.ts';
import { duplicatesOf, runningWorkflows } from './chaos-counts.ts';
import { chaosProgress } from './chaos-progress.ts';
import type { ChaosStack } from './chaos-stack.ts';

const say = chaosProgress('store outage');

/**
 * Enough attempts to outlast the outage: the default policy (5 attempts, 1 s doubling) gives up after
 * about 15 s of failures, and a failed activity fails the cycle.
 */
const OUTLASTING_RETRY = { initialInterval: '200ms', maximumInterval: '2s', maximumAttempts: 60 };

export async function storeOutage(
  stack: ChaosStack,
  server: Pick<ThrowawayPostgres, 'interrupt' | 'resume'>,
  settings: ChaosSettings,
): Promise<ChaosRow> {
  if (!stack.databaseUrl) throw new Error('chaos: the store outage row needs the stack on PostgreSQL');
  const model = 'chaos-store';
  await driftedChampion(stack.deps, model, settings.seed + 3_000);
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const users = traffic.start(model, settings.seed + 3_000);
  const gateway = stack.gateway.address;
  let workflowId = '';
  let affected: string[] = [];
  let maxQueued = 0;
  let servedDuring = 0;
  let cycleEndedAfterResumeMs: number | null = null;
  let drainedAfterResumeMs: number | null = null;
  let dropped: Record<string, number> = {};
  let shedForBacklog = 0;
  try {
    const started = await stack.client.startCycle(model, {
      config: cycleConfig(stack, 'none', undefined, OUTLASTING_RETRY),
    });
    workflowId = started.workflowId;
    const done = cycleResult(stack, workflowId).catch(() => null);
    await until('the rollout', async () => {
      const status = await stack.client.cycleStatus(model);
      return status.outcome !== 'running' || status.stage === 'rolling-out';
    });
    affected = await runningWorkflows(stack.client);
    say(`stopping PostgreSQL for ${Math.round(settings.storeOutageMs / 1000)} s during the rollout`);
    const answeredBefore = users.answers.length;
    await server.interrupt();
    const stoppedAt = Date.now();
    // The capture queue at its highest while the server is away (sampled as /healthz reports it).
    while (Date.now() - stoppedAt < settings.storeOutageMs) {
      maxQueued = Math.max(maxQueued, await captureQueued(gateway));
      await pause(250);
    }
    servedDuring = users.answers.length - answeredBefore;
    // Capture writes in the order it took predictions: the backlog of the outage is written once the
    // gateway has captured as many more as it held when the server came back (traffic goes on, so the
    // queue itself never empties; what did not fit was dropped and counted).
    const atResume = await captureFigures(gateway);
    await server.resume();
    const resumedAt = Date.now();
    say(`PostgreSQL is back; capture queue at most ${maxQueued}`);
    await until(
      'the backlog written',
      async () => (await captureFigures(gateway)).captured >= atResume.captured + atResume.queued,
    );
    drainedAfterResumeMs = Date.now() - resumedAt;
    say(`the backlog written ${seconds(drainedAfterResumeMs)} after; waiting for the cycle`);
    await done;
    cycleEndedAfterResumeMs = Date.now() - resumedAt;
  } finally {
    await traffic.stop();
    dropped = await droppedOf(gateway);
    shedForBacklog = await shedForCaptureBacklog(gateway);
  }
  await stack.gateway.close().catch(() => {});
  const served = users.answers.filter((a) => a.status === 200).map((a) => a.predictionId);
  let found = 0;
  for (const id of served) if ((await stack.deps.store.predictions.get(id)) !== null) found++;
  const drops = Object.values(dropped).reduce((sum, n) => sum + n, 0);
  const stored = new Set(
    (await stack.deps.store.feedback.listForPredictions([...users.feedbackTaken.keys()])).map((f) => f.id),
  );
  const feedbackLost = [...users.feedbackTaken.values()].filter((id) => !stored.has(id)).length;
  await stack.replaceGateway();
  const predictionStatuses: Record<string, number> = {};
  for (const answer of users.answers) {
    predictionStatuses[answer.status] = (predictionStatuses[answer.status] ?? 0) + 1;
  }
  // Predictions refused while capture wrote its backlog after the outage (the store taking writes
  // again, the queue still near its bound) are deliberate shedding, not failures: 503 with Retry-After.
  const notServed = users.answers.length - served.length - shedForBacklog;
  const fiveHundreds = Object.entries(users.feedbackStatuses)
    .filter(([status]) => Number(status) >= 500 && Number(status) !== 503)
    .reduce((sum, [, n]) => sum + n, 0);
  const outcomes = await cycleOutcomes(stack, [workflowId]);
  const retried = await retriedActivities(stack, affected);
  let failedTasks = 0;
  for (const id of affected) failedTasks += await failedWorkflowTasks(stack, id);
  return {
    fault: `store outage (PostgreSQL stopped ${Math.round(settings.storeOutageMs / 1000)} s)`,
    injected: 1,
    affected: affected.length,
    completed: outcomes.promoted,
    // The drops include shadow twins (a shadow step captures two predictions per request) that no user
    // was served: every missing served prediction must be covered by a counted drop, not the reverse.
    lost: Math.max(0, served.length - found - drops) + feedbackLost,
    duplicates: await duplicatesOf(stack.deps.store, [model]),
    maxRecoveryMs: drainedAfterResumeMs,
    extra: {
      served: served.length,
      found,
      drops,
      notServed,
      shedForBacklog,
      feedbackLost,
      feedbackServerErrors: fiveHundreds,
      feedbackRefused: users.feedbackStatuses[503] ?? 0,
      failedTasks,
      cycles: 1,
    },
    notes:
      `in the rollout of a cycle (${describeCounts(outcomes.byOutcome)}, ended ${seconds(cycleEndedAfterResumeMs)} after the server was back); ` +
      `predictions: ${users.answers.length} sent (${servedDuring} during the outage), ${describeCounts(predictionStatuses)}; ` +
      `served ${served.length}: in the store ${found}, not in it ${served.length - found}, covered by the ${drops} drops counted (${describeCounts(dropped)}; shadow twins included); ` +
      `${shedForBacklog} predictions shed while capture caught up (503 capture_backlog); ` +
      `capture queue at most ${maxQueued}, its backlog written ${seconds(drainedAfterResumeMs)} after the server was back; ` +
      `feedback answers ${describeCounts(users.feedbackStatuses)} (503 store_unavailable sent again after Retry-After), ` +
      `${users.feedbackTaken.size} taken, ${feedbackLost} of them not in the store; ` +
      `activities retried: ${retried.activities} (${retried.failedAttempts} failed attempts); ${failedTasks} failed workflow tasks; ` +
      `${stack.unexpectedWorkerExits()} unexpected worker exits`,
  };
}

/** What the gateway has written to the store so far, and what it holds now (/metrics). */
async function captureFigures(gateway: string): Promise<{ captured: number; queued: number }> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    captured: value('flywheel_gateway_captured_total'),
    queued: value('flywheel_gateway_capture_queue_depth'),
  };
}

async function captureQueued(gateway: string): Promise<number> {
  const health = (await (await fetch(`${gateway}/healthz`)).json()) as { captureQueued: number };
  return health.captureQueued;
}

/** The gateway's capture drops by reason, as /metrics counts them. */
async function droppedOf(gateway: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const dropped: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^flywheel_gateway_capture_dropped_total\{reason="([a-z_]+)"\} (\d+)/.exec(line);
    if (match && Number(match[2]) > 0) dropped[match[1]!] = Number(match[2]);
  }
  return dropped;
}

/** Predictions the gateway refused because capture was falling behind a store taking writes (/metrics). */
async function shedForCaptureBacklog(gateway: string): Promise<number> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  return Number(/^flywheel_gateway_shed_total\{reason="capture_backlog"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** Activities of these workflows that needed more than one attempt, and how many attempts failed. */
async function retriedActivities(stack: ChaosStack, workflowIds: readonly string[]) {
  const { EventType } = proto.temporal.api.enums.v1;
  let activities = 0;
  let failedAttempts = 0;
  for (const id of workflowIds) {
    const history = await stack.client.temporal.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) continue;
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (attempt > 1) {
        activities++;
        failedAttempts += attempt - 1;
      }
    }
  }
  return { activities, failedAttempts };
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}
