/**
 * What the campaign counts, read back from where it lives (the store, the registry, Temporal), never
 * inferred from what was injected.
 */
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { FlywheelClient } from '../client/flywheel-client.ts';

/** Audit kinds a cycle writes at most once: a second line of one of them is a duplicate. */
const ONCE_PER_CYCLE = new Set([
  'cycle-started',
  'edge-cases-mined',
  'candidate-blessed',
  'candidate-rejected',
  'rollout-started',
  'rollout-promoted',
  'rollout-rolled-back',
  'review-closed',
  'cycle-finished',
]);

export interface Duplicates {
  /** Dataset versions beyond the first built by one cycle. */
  datasets: number;
  /** Model versions beyond the first trained on one dataset version. */
  models: number;
  /** Audit lines a cycle writes once found more than once, plus lines identical in kind and details. */
  audit: number;
}

export async function duplicatesOf(store: FlywheelStore, models: readonly string[]): Promise<Duplicates> {
  const found: Duplicates = { datasets: 0, models: 0, audit: 0 };
  for (const model of models) {
    found.datasets += surplus((await store.datasets.list(model)).map((d) => String(d.cycle ?? d.id)));
    found.models += surplus((await store.models.list(model)).map((v) => v.datasetId));
    const events = await store.audit.list({ model });
    const once = events.filter((e) => e.cycleId !== null && ONCE_PER_CYCLE.has(e.kind));
    found.audit += surplus(once.map((e) => `${e.cycleId} ${e.kind}`));
    const rest = events.filter((e) => !ONCE_PER_CYCLE.has(e.kind));
    found.audit += surplus(rest.map((e) => `${e.cycleId} ${e.kind} ${JSON.stringify(e.details)}`));
  }
  return found;
}

/** How many entries repeat one before them. */
function surplus(keys: readonly string[]): number {
  return keys.length - new Set(keys).size;
}

/** Answers a client got with 200 whose prediction is not in the store: lost events. */
export async function lostPredictions(
  store: FlywheelStore,
  predictionIds: readonly string[],
): Promise<number> {
  let lost = 0;
  for (const id of predictionIds) if ((await store.predictions.get(id)) === null) lost++;
  return lost;
}

/**
 * A workflow's progress as the server sees it: history length, pending activities' states and
 * attempts, the pending workflow task. It changes when anything happens to the workflow.
 */
export async function progressOf(client: FlywheelClient, workflowId: string): Promise<string> {
  const description = await client.temporal.workflow.getHandle(workflowId).describe();
  const raw = description.raw;
  return JSON.stringify([
    description.historyLength,
    description.status.name,
    (raw.pendingActivities ?? []).map((a) => [a.activityId, a.state, a.attempt]),
    raw.pendingWorkflowTask ? [raw.pendingWorkflowTask.state, raw.pendingWorkflowTask.attempt] : null,
  ]);
}

/** Workflows running now (cycles and their children, rollouts, reviews). */
export async function runningWorkflows(client: FlywheelClient): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.temporal.workflow.list({ query: 'ExecutionStatus="Running"' })) {
    ids.push(execution.workflowId);
  }
  return ids;
}

/**
 * Milliseconds from `since` until one of the workflows (those running when the fault hit) moves on
 * from the progress it had then: the stack is working again. Null when none moved within `limitMs`
 * (none of them had anything to do, or they all closed in between).
 */
export async function recoveryMs(
  client: FlywheelClient,
  before: ReadonlyMap<string, string>,
  since: number,
  limitMs: number,
): Promise<number | null> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    for (const [workflowId, progress] of before) {
      const now = await progressOf(client, workflowId).catch(() => progress);
      if (now !== progress) return Date.now() - since;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

export async function progressOfAll(
  client: FlywheelClient,
  workflowIds: readonly string[],
): Promise<Map<string, string>> {
  const progress = new Map<string, string>();
  for (const id of workflowIds) {
    const value = await progressOf(client, id).catch(() => null);
    if (value !== null) progress.set(id, value);
  }
  return progress;
}
