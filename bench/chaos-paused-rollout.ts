/**
 * The paused rollout row of the campaign: a rollout paused at its 25% step for long enough that it
 * continues as new `pausedGenerations` times (its history limit made small through its input, as
 * test/rollout-continue-as-new.test.ts does), with users sending traffic, on-call sending controls, and
 * the worker killed with SIGKILL in its second run; then resumed and left to finish. A twin rollout of
 * the same versions under another model runs unpaused beside it: the paused one must end as it does.
 */
import proto from '@temporalio/proto';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import { era1Champion, era2 } from '../test/support/era-traffic.ts';
import { modelWith } from '../test/support/rollout-traffic.ts';
import { type RolloutInput, type RolloutStatus, rolloutWorkflowId } from '../workflows/rollout-messages.ts';
import {
  type ChaosRow,
  type ChaosSettings,
  cycleConfig,
  describeCounts,
  lostOf,
  pause,
  Traffic,
  until,
} from './chaos-campaign.ts';
import { duplicatesOf } from './chaos-counts.ts';
import { chaosProgress } from './chaos-progress.ts';
import type { ChaosStack } from './chaos-stack.ts';

const say = chaosProgress('paused rollout');

/**
 * History events after which the paused rollout continues as new (the default is 4,000). While paused
 * it analyses its step after every soak (3 s in the campaign's config) and takes each control: a few
 * dozen seconds per run.
 */
export const PAUSED_HISTORY_LIMIT = 80;
/** Seconds between the controls on-call sends while the rollout is paused. */
const CONTROL_GAP_MS = 3_000;
/** Audit kinds a rollout writes once. */
const ONCE_PER_ROLLOUT = ['rollout-started', 'rollout-promoted', 'rollout-rolled-back'];

export async function pausedRollout(stack: ChaosStack, settings: ChaosSettings): Promise<ChaosRow> {
  const generations = settings.pausedGenerations;
  const { champion, candidate } = await rolloutVersions(stack);
  const model = 'chaos-paused';
  const twin = 'chaos-unpaused';
  const versions = await modelWith(stack, model, { champion, candidate });
  const twinVersions = await modelWith(stack, twin, { champion, candidate });
  const traffic = new Traffic(stack, settings.usersConcurrency);
  const users = [traffic.start(model, settings.seed + 4_000), traffic.start(twin, settings.seed + 4_001)];
  const config = cycleConfig(stack, 'none');
  const workflowId = rolloutWorkflowId(model);
  const handle = stack.client.temporal.workflow.getHandle(workflowId);
  const status = () => stack.client.rolloutStatus(model);
  const runIds: string[] = [];
  const sent: string[] = [];
  const control = async (signal: 'pause' | 'resume', by: string, reason: string) => {
    await stack.client.signalRollout(model, signal, { by, reason });
    sent.push(reason);
  };
  let recovered: number | null = null;
  let pausedAt: RolloutStatus | null = null;
  let beforeResume: RolloutStatus | null = null;
  let result: RolloutStatus | null = null;
  let twinResult: RolloutStatus | null = null;
  let pausedForMs = 0;
  let sentWhilePaused = 0;
  try {
    const input: RolloutInput = {
      model,
      candidateVersion: versions.candidateVersion,
      trigger: 'chaos',
      config,
      historyLimit: PAUSED_HISTORY_LIMIT,
    };
    const first = await stack.client.temporal.workflow.start('rollout', {
      taskQueue: stack.client.taskQueue,
      workflowId,
      args: [input],
    });
    runIds.push(first.firstExecutionRunId);
    await stack.client.startRollout(twin, twinVersions.candidateVersion, { config, trigger: 'chaos' });
    await until('the 25% step soaking', async () => {
      const s = await status();
      return s.outcome !== 'running' || (s.phase === 'soaking' && s.stepName === 'canary 25%');
    });
    await control('pause', 'alice', 'holiday');
    pausedAt = await waitFor('the pause', status, (s) => s.phase === 'paused' || s.outcome !== 'running');
    if (pausedAt.outcome !== 'running') throw new Error(`chaos: the rollout ended before the pause`);
    const since = Date.now();
    say(`paused at ${pausedAt.stepName}; holding it through ${generations} continue-as-new`);
    // Others on call confirm the pause now and then, as people do: each is ignored, audited and kept.
    while (runIds.length - 1 < generations) {
      if (sent.length > 400)
        throw new Error(`chaos: ${sent.length} controls sent, still in run ${runIds.length}`);
      await pause(CONTROL_GAP_MS);
      await control('pause', `on-call-${sent.length % 3}`, `still paused (${sent.length})`);
      const latest = (await handle.describe()).runId;
      if (!runIds.includes(latest)) {
        runIds.push(latest);
        say(`run ${runIds.length} (${runIds.length - 1} continue-as-new)`);
      }
      if (runIds.length === 2 && recovered === null) {
        // Recovery: from the kill until the rollout answers with a control sent right after it (a query
        // needs a worker to replay the run; timers fire and signals land in the history without one).
        const killedAt = Date.now();
        await stack.killWorker();
        const marker = `after the kill (${sent.length})`;
        await control('pause', 'bob', marker);
        await until('the rollout answering after the kill', async () =>
          (await status()).controls.some((c) => c.reason === marker),
        );
        recovered = Date.now() - killedAt;
        say(`worker killed in run 2; the rollout answered ${(recovered / 1000).toFixed(1)} s after`);
      }
    }
    beforeResume = await status();
    pausedForMs = Date.now() - since;
    sentWhilePaused = sent.length;
    await control('resume', 'alice', 'back from holiday');
    result = (await handle.result()) as RolloutStatus;
    twinResult = (await stack.client.temporal.workflow
      .getHandle(rolloutWorkflowId(twin))
      .result()) as RolloutStatus;
  } finally {
    await traffic.stop();
  }
  await stack.gateway.close().catch(() => {});
  const lostPredictions = await lostOf(stack, users);
  await stack.replaceGateway();

  const runs = await runsOf(stack, workflowId, runIds.length);
  const tasks = await workflowTaskFailures(stack, workflowId);
  const audit = await stack.deps.store.audit.list({ model });
  const audited = audit
    .filter((e) => e.kind.startsWith('rollout-') && e.actor !== 'rollout-analysis')
    .map((e) => (e.details as { reason?: string }).reason ?? '')
    .filter((reason) => sent.includes(reason));
  const controlsLost = sent.filter((reason) => !audited.includes(reason)).length;
  const onceSurplus = ONCE_PER_ROLLOUT.reduce((sum, kind) => {
    const n = audit.filter((e) => e.kind === kind).length;
    return sum + Math.max(0, n - 1);
  }, 0);
  const duplicates = await duplicatesOf(stack.deps.store, [model]);
  duplicates.audit += audited.length - new Set(audited).size + onceSurplus;
  const championMoves = (await stack.deps.store.models.aliasHistory(model)).filter(
    (m) => m.alias === 'champion' && m.versionId === versions.candidateVersion,
  ).length;
  const flags = roles(await stack.deps.flags.read(model), versions);
  const twinFlags = roles(await stack.deps.flags.read(twin), twinVersions);

  // Carried through every hand-over: the same rollout, step, pause and flags, and every control.
  const carried =
    pausedAt !== null &&
    beforeResume !== null &&
    beforeResume.rolloutId === pausedAt.rolloutId &&
    beforeResume.startedAt === pausedAt.startedAt &&
    beforeResume.phase === 'paused' &&
    beforeResume.stepName === pausedAt.stepName &&
    beforeResume.paused?.by === 'alice' &&
    beforeResume.controls.length === Math.min(100, sentWhilePaused) &&
    JSON.stringify(beforeResume.flags) === JSON.stringify(pausedAt.flags);
  const sameEnd =
    result !== null && twinResult !== null && result.outcome === twinResult.outcome && flags === twinFlags;
  const ok =
    carried &&
    sameEnd &&
    runs.continuedAsNew >= generations &&
    tasks.failed === 0 &&
    controlsLost === 0 &&
    championMoves === (result?.outcome === 'promoted' ? 1 : 0);
  return {
    fault: `paused rollout through ${generations} continue-as-new`,
    injected: 1,
    affected: 1,
    completed: ok ? 1 : 0,
    lost: lostPredictions + controlsLost,
    duplicates,
    maxRecoveryMs: recovered,
    extra: {
      runs: runs.total,
      continuedAsNew: runs.continuedAsNew,
      failedTasks: tasks.failed,
      redoneTasks: tasks.redone,
      lostPredictions,
      controlsSent: sent.length,
      controlsLost,
      carried: carried ? 1 : 0,
      sameEnd: sameEnd ? 1 : 0,
      championMoves,
    },
    notes:
      `paused at ${pausedAt?.stepName ?? '—'} for ${Math.round(pausedForMs / 1000)} s (history limit ${PAUSED_HISTORY_LIMIT}): ` +
      `${runs.total} runs (${runs.events.join('/')} history events), ${runs.continuedAsNew} continue-as-new; one worker kill -9 in run 2; ` +
      `${sent.length} controls sent (${controlsLost} not in the audit trail), state carried: ${carried ? 'yes' : 'NO'}; ` +
      `ended ${result?.outcome ?? '—'} (flags ${flags}), the unpaused twin ${twinResult?.outcome ?? '—'} (flags ${twinFlags}); ` +
      `champion moved to the candidate ${championMoves}×; ${tasks.failed} failed workflow tasks (${tasks.redone} UnhandledCommand redone); ` +
      `predictions ${describeCounts(statusCounts(users.flatMap((u) => u.answers)))}, ${lostPredictions} served but not stored`,
  };
}

/** The era-1 champion and a better candidate (era 1 + era-2 traffic), trained once under a base model. */
async function rolloutVersions(
  stack: ChaosStack,
): Promise<{ champion: ModelVersion; candidate: ModelVersion }> {
  const base = 'chaos-paused-base';
  const get = async (versionId: string) => (await stack.deps.store.models.get(versionId))!;
  const champion = await get((await era1Champion(stack.deps, base)).versionId);
  const messages = [...loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] }), ...era2().traffic];
  const better = await registerModelFromCorpus(stack.deps, {
    model: base,
    examples: messages.map((m) => ({ id: m.id, text: m.text, label: m.label, group: m.group })),
    source: 'spamassassin:era-1 + era-2 traffic',
    champion: 'if-none',
    actor: 'chaos',
  });
  return { champion, candidate: await get(better.versionId) };
}

/** The runs of a workflow as Temporal lists them (waiting until it lists at least those seen). */
async function runsOf(stack: ChaosStack, workflowId: string, seen: number) {
  let total = 0;
  let continuedAsNew = 0;
  let lengths: Array<{ start: number; events: number }> = [];
  await until(
    `${seen} runs listed`,
    async () => {
      total = 0;
      continuedAsNew = 0;
      lengths = [];
      for await (const run of stack.client.temporal.workflow.list({ query: `WorkflowId="${workflowId}"` })) {
        total++;
        lengths.push({ start: run.startTime.getTime(), events: run.historyLength });
        if (run.status.name === 'CONTINUED_AS_NEW') continuedAsNew++;
      }
      return total >= seen;
    },
    60_000,
  );
  // History events of each run, first run first.
  const events = lengths.sort((a, b) => a.start - b.start).map((run) => run.events);
  return { total, continuedAsNew, events };
}

/**
 * Failed workflow tasks across every run, apart from one kind: the server refusing to close a run
 * because a signal arrived while its last task ran (UnhandledCommand), redone at once with the signal.
 * That is Temporal's optimistic concurrency, not the workflow failing; counted apart, and each must be
 * followed by a completed task.
 */
async function workflowTaskFailures(stack: ChaosStack, workflowId: string) {
  const { EventType, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;
  let failed = 0;
  let redone = 0;
  for await (const run of stack.client.temporal.workflow.list({ query: `WorkflowId="${workflowId}"` })) {
    const history = await stack.client.temporal.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    events.forEach((event, index) => {
      if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) return;
      const cause = event.workflowTaskFailedEventAttributes?.cause;
      const completedLater = events
        .slice(index + 1)
        .some((later) => later.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      if (cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND && completedLater) {
        redone++;
      } else failed++;
    });
  }
  return { failed, redone };
}

/** Flags with the versions named by their role, to compare two models' rollouts. */
function roles(
  flags: RolloutState | null,
  versions: { championVersion: string; candidateVersion: string },
): string {
  if (flags === null) return 'none';
  const role = (id: string | null) =>
    id === null
      ? '—'
      : id === versions.championVersion
        ? 'champion'
        : id === versions.candidateVersion
          ? 'candidate'
          : id;
  return `${flags.mode} ${flags.percent}%, serving ${role(flags.championVersion)}, candidate ${role(flags.candidateVersion)}`;
}

function statusCounts(answers: ReadonlyArray<{ status: number }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

async function waitFor(
  what: string,
  read: () => Promise<RolloutStatus>,
  holds: (s: RolloutStatus) => boolean,
): Promise<RolloutStatus> {
  let last: RolloutStatus | null = null;
  await until(what, async () => {
    last = await read();
    return holds(last);
  });
  return last!;
}
