import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { ActivityDeps } from '../activities/deps.ts';
import type { CorpusMessage } from '../adapters/corpus/spamassassin.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import { mulberry32 } from '../core/model/prng.ts';
import { freePort } from '../workers/free-port.ts';
import { openDeps } from '../workers/open-deps.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import type { RolloutStatus } from '../workflows/rollout-messages.ts';
import { era1Champion, era2 } from './support/era-traffic.ts';
import { type FlywheelProcess, startFlywheelProcess } from './support/flywheel-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import {
  type Answer,
  askEach,
  eventually,
  fastRollout,
  predict,
  sendFeedback,
  userKeys,
} from './support/rollout-traffic.ts';
import { startThrowawayS3, type ThrowawayS3 } from './support/s3-server.ts';
import { testLogger } from './support/temporal.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from './support/unleash.ts';

/**
 * The production topology as separate processes, each with its own empty data folder, sharing only
 * Temporal, PostgreSQL, Unleash and an S3 server: two `flywheel gateway` replicas behind a round-robin
 * balancer (this test), a main `flywheel worker` and a training-only `flywheel worker`. A whole cycle runs
 * on traffic spread over both gateways; each rollout step is checked on both replicas; one replica is
 * killed mid-rollout; the promoted champion is served by the survivor and by a fresh replica.
 *
 * The rollout pauses itself at every step (no traffic yet: inconclusive, `onInconclusive: pause`), so the
 * test checks each step while it is held, sends traffic until the step's analysis passes, then resumes:
 * no step can go by unchecked however slow the machine is.
 */

const MODEL = 'topology';
const PROBE_USERS = userKeys('probe', 400);
const WAIT_MS = 300_000;

let postgres: ThrowawayPostgres;
let unleash: ThrowawayUnleash;
let s3: ThrowawayS3;
let bucket: string;
let operator: ActivityDeps & { close(): Promise<void> };
let client: FlywheelClient;
const processes: FlywheelProcess[] = [];
const dataDirs: string[] = [];
const taskQueue = `topology-${randomUUID().slice(0, 8)}`;
const trainingTaskQueue = `${taskQueue}-training`;
let traffic: CorpusMessage[];

/** What every process shares: Temporal, PostgreSQL, S3 (and Unleash, per role below). */
function sharedEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    FLYWHEEL_DATABASE_URL: postgres.url,
    ...s3.env(bucket),
    FLYWHEEL_FLAGS: 'unleash',
    FLYWHEEL_UNLEASH_URL: unleash.url,
    FLYWHEEL_UNLEASH_ENVIRONMENT: unleash.environment,
    FLYWHEEL_LOG_LEVEL: 'info',
  };
}

function emptyDataDir(role: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flywheel-${role}-`));
  dataDirs.push(dir);
  return dir;
}

interface GatewayReplica {
  name: string;
  url: string;
  process: FlywheelProcess;
}

async function startGatewayReplica(name: string): Promise<GatewayReplica> {
  const port = await freePort();
  const process = await startFlywheelProcess(
    name,
    ['gateway', '--host', '127.0.0.1', '--port', String(port)],
    {
      ...sharedEnv(),
      FLYWHEEL_DATA_DIR: emptyDataDir(name),
      // Gateways read flags only: a backend token, never the admin one.
      FLYWHEEL_UNLEASH_BACKEND_TOKEN: unleash.backendToken,
      FLYWHEEL_UNLEASH_REFRESH_MS: '200',
    },
    /^gateway listening on http:/,
  );
  processes.push(process);
  return { name, url: `http://127.0.0.1:${port}`, process };
}

async function startWorker(name: string, args: string[]): Promise<FlywheelProcess> {
  const process = await startFlywheelProcess(
    name,
    ['worker', '--task-queue', taskQueue, '--training-task-queue', trainingTaskQueue, ...args],
    {
      ...sharedEnv(),
      FLYWHEEL_DATA_DIR: emptyDataDir(name),
      // Workers write flags: the admin token, never the backend one.
      FLYWHEEL_UNLEASH_ADMIN_TOKEN: unleash.adminToken,
    },
    /worker running/,
  );
  processes.push(process);
  return process;
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  unleash = await startThrowawayUnleash(postgres);
  s3 = await startThrowawayS3();
  bucket = await s3.createBucket();
  // The operator (this test) registers the first champion into the shared store and bucket, as
  // `flywheel` commands on any machine would.
  const envBefore = { ...process.env };
  Object.assign(process.env, sharedEnv(), { FLYWHEEL_UNLEASH_ADMIN_TOKEN: unleash.adminToken });
  try {
    operator = await openDeps({
      dataDir: emptyDataDir('operator'),
      databaseUrl: postgres.url,
      logger: testLogger,
    });
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in envBefore)) delete process.env[name];
    Object.assign(process.env, envBefore);
  }
  client = await FlywheelClient.connect(
    {
      address: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      connectionOptions: { address: inject('temporalAddress') },
      embedded: false,
    },
    { taskQueue },
  );
  traffic = era2().traffic;
}, 600_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await client?.close();
  await operator?.close();
  await s3?.stop();
  await unleash?.stop();
  await postgres?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** An answer, and which replica gave it (status 0: the connection failed). */
type ReplicaAnswer = Answer & { replica: string };

/**
 * Users behind a round-robin balancer over the replicas in `live` (changed by the test as replicas go),
 * each reading an answer and rating a share of them truthfully; the rating goes through the balancer
 * too, so it usually reaches the replica that did not serve the prediction.
 */
function balancedUsers(live: GatewayReplica[], options: { seed: number; feedbackShare: number }) {
  const random = mulberry32(options.seed);
  const answers: ReplicaAnswer[] = [];
  const feedbackSent: Array<{ servedBy: string; sentTo: string; status: number }> = [];
  let turn = 0;
  let stopped = false;
  const next = () => live[turn++ % live.length]!;
  const loop = async () => {
    while (!stopped) {
      const replica = next();
      const user = `user-${Math.floor(random() * 300)}`;
      const message = traffic[Math.floor(random() * traffic.length)]!;
      const answer = await predict(replica.url, MODEL, user, cut(message)).catch(() => null);
      answers.push(answer ? { ...answer, replica: replica.name } : failedAnswer(replica, user));
      if (answer?.status === 200 && random() < options.feedbackShare) {
        const to = next();
        const status = await sendFeedback(to.url, answer, `fb-${answer.predictionId}`).catch(() => 0);
        feedbackSent.push({ servedBy: replica.name, sentTo: to.name, status });
      }
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  return {
    answers,
    feedbackSent,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** The gateway refuses texts over 20,000 characters; a few mails are longer. */
function cut(message: CorpusMessage): Pick<CorpusMessage, 'text' | 'label'> {
  return { text: message.text.slice(0, 20_000), label: message.label };
}

function failedAnswer(replica: GatewayReplica, user: string): ReplicaAnswer {
  const none = { predictionId: '', variant: '', modelVersion: '', label: '', truth: '' };
  return { ...none, user, at: Date.now(), status: 0, replica: replica.name };
}

/** Why predictions are missing from the store: which replica served them, what each says it captured. */
async function captureReport(replicas: GatewayReplica[], served: ReplicaAnswer[]): Promise<string> {
  const stored = new Set((await storedPredictions()).map((row) => row.id));
  const lines: string[] = [];
  for (const replica of replicas) {
    const missing = served.filter((s) => s.replica === replica.name && !stored.has(s.predictionId));
    const metrics = await fetch(`${replica.url}/metrics`)
      .then((r) => r.text())
      .catch((e: Error) => e.message);
    lines.push(
      `${replica.name}: ${missing.length} missing of ${served.filter((s) => s.replica === replica.name).length}`,
      ...metrics.split('\n').filter((line) => line.startsWith('flywheel_gateway_capture')),
      replica.process.output().slice(-3000),
    );
  }
  return lines.join('\n');
}

/** Every captured prediction of the model in the shared store, read through the store's own API. */
async function storedPredictions() {
  const rows = [];
  let cursor = 0;
  for (;;) {
    const page = await operator.store.predictions.listAfter(MODEL, cursor, 5_000);
    if (page.length === 0) return rows;
    rows.push(...page);
    cursor = page[page.length - 1]!.seq;
  }
}

/** Which probe users a replica puts on the candidate: every answer 200, from one of the two versions. */
async function canaryUsersOf(replica: GatewayReplica, versions: { champion: string; candidate: string }) {
  const answers = await askEach(replica.url, MODEL, PROBE_USERS, traffic, 8);
  for (const answer of answers) {
    expect(answer.status, `${replica.name} answered ${answer.status}`).toBe(200);
    const expected = answer.variant === 'canary' ? versions.candidate : versions.champion;
    expect(answer.modelVersion).toBe(expected);
  }
  return {
    answers,
    canary: new Set(answers.filter((a) => a.variant === 'canary').map((a) => a.user)),
  };
}

async function heldAt(stepName: string): Promise<RolloutStatus> {
  return eventually(
    `the rollout held at ${stepName}`,
    () => client.rolloutStatus(MODEL),
    (s) => (s.phase === 'paused' && s.stepName === stepName) || s.outcome !== 'running',
    WAIT_MS,
  ).then((status) => {
    expect(status.outcome, status.reasons.join('; ')).toBe('running');
    return status;
  });
}

/** Sends balanced traffic until an analysis of the held step, made after the traffic began, passes. */
async function trafficUntilStepPasses(
  live: GatewayReplica[],
  stepName: string,
  seed: number,
  during?: (users: ReturnType<typeof balancedUsers>) => Promise<void>,
) {
  const began = Date.now();
  const users = balancedUsers(live, { seed, feedbackShare: 0.6 });
  try {
    await during?.(users);
    await eventually(
      `a passing analysis of ${stepName}`,
      () => client.rolloutStatus(MODEL),
      (s) =>
        s.outcome !== 'running' ||
        s.analyses.some((a) => a.stepName === stepName && a.at > began && a.verdict === 'success'),
      WAIT_MS,
    );
  } finally {
    await users.stop();
  }
  const status = await client.rolloutStatus(MODEL);
  expect(status.outcome, status.reasons.join('; ')).toBe('running');
  return users;
}

test('two gateways, a worker and a training worker sharing only Temporal, PostgreSQL, Unleash and S3 run a whole cycle', async () => {
  const champion = (await era1Champion(operator, MODEL)).versionId;
  const trainingWorker = await startWorker('training-worker', [
    '--training-only',
    '--training-concurrency',
    '1',
  ]);
  const worker = await startWorker('worker', ['--no-training']);
  const a = await startGatewayReplica('gateway-a');
  const b = await startGatewayReplica('gateway-b');
  const live = [a, b];

  // 1. Era-2 traffic through both replicas, users reporting half of the mistakes (to either replica).
  const random = mulberry32(5);
  const served: ReplicaAnswer[] = [];
  const feedback: number[] = [];
  let index = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (index < traffic.length) {
        const i = index++;
        const replica = live[i % 2]!;
        const message = traffic[i]!;
        const answer = {
          ...(await predict(replica.url, MODEL, `user-${i % 500}`, cut(message))),
          replica: replica.name,
        };
        served.push(answer);
        if (answer.status === 200 && answer.label !== answer.truth && random() < 0.5) {
          feedback.push(await sendFeedback(live[(i + 1) % 2]!.url, answer, `fb-${answer.predictionId}`));
        }
      }
    }),
  );
  expect(served.filter((s) => s.status !== 200)).toEqual([]);
  expect(served.every((s) => s.modelVersion === champion && s.variant === 'champion')).toBe(true);
  expect(feedback.length).toBeGreaterThan(20);
  expect(feedback.every((status) => status === 201)).toBe(true);
  const byReplica = {
    a: served.filter((s) => s.replica === 'gateway-a'),
    b: served.filter((s) => s.replica === 'gateway-b'),
  };
  expect(byReplica.a.length + byReplica.b.length).toBe(traffic.length);
  expect(Math.min(byReplica.a.length, byReplica.b.length)).toBeGreaterThan(traffic.length / 3);
  // Both replicas' captures reach the shared store: every prediction either one answered.
  const servedIds = new Set(served.map((s) => s.predictionId));
  const stored = await eventually(
    'every served prediction in the shared store',
    storedPredictions,
    (rows) => rows.filter((row) => servedIds.has(row.id)).length === servedIds.size,
    WAIT_MS,
  ).catch(async (error) => {
    throw new Error(`${(error as Error).message.slice(0, 300)}\n${await captureReport(live, served)}`);
  });
  expect(stored).toHaveLength(servedIds.size);

  // 2. The cycle (main worker) trains on the training worker and reads exactly what both captured.
  const steps = ['shadow', 25, 100];
  const started = await client.startCycle(MODEL, {
    trigger: 'test',
    config: {
      training: { taskQueue: trainingTaskQueue },
      mining: { labelBudget: 0 },
      ...fastRollout({
        steps,
        minSamples: 40,
        minFeedbackSamples: 30,
        requireFeedback: true,
        onInconclusive: 'pause',
      }),
    },
  });
  const rolling = await eventually(
    'the cycle to roll out',
    () => client.cycleStatus(MODEL, started.number),
    (s) => s.stage === 'rolling-out' || s.outcome !== 'running',
    WAIT_MS,
  );
  expect(rolling.stage, rolling.reasons.join('; ')).toBe('rolling-out');
  expect(rolling.mined?.scanned).toBe(servedIds.size);
  const versions = { champion, candidate: rolling.candidateVersion! };
  expect(versions.candidate).not.toBe(champion);

  // 3. Shadow: both replicas answer with the champion and run the candidate beside it.
  const shadow = await heldAt('shadow');
  expect(shadow.flags).toMatchObject({ mode: 'shadow', candidateVersion: versions.candidate });
  for (const replica of live) {
    const { answers } = await canaryUsersOf(replica, versions);
    expect(answers.every((answer) => answer.variant === 'champion')).toBe(true);
    const ids = new Set(answers.map((answer) => answer.predictionId));
    await eventually(
      `${replica.name}'s shadow predictions in the store`,
      storedPredictions,
      (rows) =>
        rows.filter(
          (row) =>
            row.variant === 'shadow' &&
            row.modelVersion === versions.candidate &&
            row.servedPredictionId !== null &&
            ids.has(row.servedPredictionId),
        ).length === ids.size,
      WAIT_MS,
    );
  }
  await trafficUntilStepPasses(live, 'shadow', 11);
  await client.signalRollout(MODEL, 'resume', { by: 'test' });

  // 4. Canary 25%: both replicas put the same users on the candidate, about a quarter of them.
  const canary = await heldAt('canary 25%');
  expect(canary.flags).toMatchObject({ mode: 'canary', percent: 25 });
  const onCanary = new Map<string, Set<string>>();
  for (const replica of live) {
    const probed = await eventually(
      `${replica.name} serving the 25% step`,
      () => canaryUsersOf(replica, versions),
      ({ canary }) => canary.size > 0,
      WAIT_MS,
    );
    onCanary.set(replica.name, probed.canary);
  }
  expect(onCanary.get('gateway-a')).toEqual(onCanary.get('gateway-b'));
  const share = onCanary.get('gateway-a')!.size / PROBE_USERS.length;
  // 400 users: the binomial spread around 25% is 2.2 points; 8 points is more than 3.5 of it.
  expect(Math.abs(share - 0.25)).toBeLessThan(0.08);

  // gateway-b is lost mid-step, under traffic: the balancer stops sending to it, gateway-a serves on.
  let killedAt = 0;
  const step25 = await trafficUntilStepPasses(live, 'canary 25%', 12, async (users) => {
    await eventually(
      'traffic on both replicas in the 25% step',
      async () => users.answers,
      (answers) =>
        ['gateway-a', 'gateway-b'].every((n) => answers.filter((x) => x.replica === n).length >= 20),
      WAIT_MS,
    );
    live.splice(live.indexOf(b), 1);
    await b.process.kill();
    killedAt = users.answers.length;
    await eventually(
      'gateway-a serving alone',
      async () => users.answers.length,
      (n) => n > killedAt + 50,
      WAIT_MS,
    );
  });
  expect(step25.answers.filter((x) => x.replica === 'gateway-a' && x.status !== 200)).toEqual([]);
  expect(step25.answers.slice(killedAt + 4).every((x) => x.replica === 'gateway-a')).toBe(true);
  const onA = step25.feedbackSent.filter((f) => f.servedBy === 'gateway-a' && f.sentTo === 'gateway-a');
  expect(onA.length).toBeGreaterThan(0);
  expect(onA.every((f) => f.status === 201 || f.status === 200)).toBe(true);
  await client.signalRollout(MODEL, 'resume', { by: 'test' });

  // 5. Canary 100% on the surviving replica, then promotion.
  const full = await heldAt('canary 100%');
  expect(full.flags).toMatchObject({ mode: 'canary', percent: 100 });
  const everyone = await eventually(
    'gateway-a serving the 100% step',
    () => canaryUsersOf(a, versions),
    ({ canary }) => canary.size === PROBE_USERS.length,
    WAIT_MS,
  );
  expect(everyone.canary.size).toBe(PROBE_USERS.length);
  await trafficUntilStepPasses(live, 'canary 100%', 13);
  await client.signalRollout(MODEL, 'resume', { by: 'test' });

  const result = (await client.temporal.workflow.getHandle(started.workflowId).result()) as CycleStatus;
  expect(result.outcome, result.reasons.join('; ')).toBe('promoted');
  expect(await operator.store.models.alias(MODEL, 'champion')).toBe(versions.candidate);

  // 6. The new champion, served by the survivor and by a fresh replica that starts on an empty folder.
  const servesChampion = (replica: GatewayReplica) =>
    eventually(
      `${replica.name} serving the new champion to everyone`,
      () => askEach(replica.url, MODEL, PROBE_USERS, traffic, 8),
      (answers) =>
        answers.every(
          (x) => x.status === 200 && x.variant === 'champion' && x.modelVersion === versions.candidate,
        ),
      WAIT_MS,
    );
  await servesChampion(a);
  const fresh = await startGatewayReplica('gateway-b-again');
  await servesChampion(fresh);

  // Nothing any process needed was kept in its own folder: they are all still empty.
  for (const dir of dataDirs) expect(readdirSync(dir), dir).toEqual([]);
  for (const process of [worker, trainingWorker, a.process, fresh.process]) {
    expect(process.child.exitCode, `${process.name}:\n${process.output()}`).toBeNull();
  }
}, 1_800_000);
