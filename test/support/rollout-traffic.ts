import { registerModelFromCorpus } from '../../activities/training/register-first-model.ts';
import { type CorpusMessage, loadSpamAssassin } from '../../adapters/corpus/spamassassin.ts';
import { mulberry32 } from '../../core/model/prng.ts';
import type { ModelVersion } from '../../core/registry/model-version.ts';
import { loadSheddingFromEnvironment } from '../../gateway/load-shedding.ts';
import { type RunningGateway, runGateway } from '../../gateway/run-gateway.ts';
import { era1Champion } from './era-traffic.ts';
import type { FlywheelHarness } from './flywheel-harness.ts';
import { testLogger } from './temporal.ts';

/**
 * A rollout config for tests: short soaks and small samples so that a rollout takes seconds. Latency
 * bounds are off: latencies on a shared two-core test machine are noise, and their rules are
 * unit-tested in core/rollout. Retries are quick.
 */
/**
 * For tests that expect a better candidate to pass on live feedback: a canary step extends until each arm
 * has 100 rated answers, so the verdict never rests on a window so short (a slow or loaded machine sends
 * less in a soak) that the champion drew no "incorrect" by chance.
 */
export const JUDGED_ON_ENOUGH_FEEDBACK = {
  minFeedbackSamples: 100,
  requireFeedback: true,
  maxExtensions: 100,
} as const;

export function fastRollout(rollout: Record<string, unknown> = {}) {
  return {
    rollout: {
      soak: '2s',
      minSamples: 20,
      minFeedbackSamples: 10,
      bounds: {
        latencyP50Ms: { maxAbsoluteIncrease: null, maxRelativeIncrease: null },
        latencyP99Ms: { maxAbsoluteIncrease: null, maxRelativeIncrease: null },
        // A better candidate disagrees with the era-1 champion on ~10% of era-2 mail; a 2 s shadow window of
        // ~90 answers reads anywhere from 5% to 17%, so the production default (15%) would decide by chance.
        maxShadowDisagreement: 0.3,
      },
      ...rollout,
    },
    activities: { retry: { initialInterval: '200ms', maximumInterval: '1s' } },
  };
}

/** The real gateway over a harness's data folder, with its own store and flag handles (as a process would). */
export function gatewayOver(harness: FlywheelHarness): Promise<RunningGateway> {
  return runGateway({
    dataDir: harness.dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: testLogger,
    // This process also runs the test's workers, whose training steps delay the loop without traffic.
    options: { loadShedding: loadSheddingFromEnvironment(process.env, { loopSharedWithWorkers: true }) },
  });
}

/** What the gateway answered to one request. */
export interface Answer {
  user: string;
  at: number;
  status: number;
  predictionId: string;
  variant: string;
  modelVersion: string;
  label: string;
  truth: string;
}

export async function predict(
  url: string,
  model: string,
  user: string,
  message: Pick<CorpusMessage, 'text' | 'label'>,
): Promise<Answer> {
  const at = Date.now();
  const response = await fetch(`${url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: message.text, userKey: user }),
  });
  const body = (await response.json()) as Record<string, string>;
  return {
    user,
    at,
    status: response.status,
    predictionId: body.predictionId ?? '',
    variant: body.variant ?? '',
    modelVersion: body.modelVersion ?? '',
    label: body.label ?? '',
    truth: message.label,
  };
}

export async function sendFeedback(url: string, answer: Answer, id: string): Promise<number> {
  const response = await fetch(`${url}/v1/predictions/${answer.predictionId}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      feedbackId: id,
      kind: answer.label === answer.truth ? 'correct' : 'incorrect',
      userKey: answer.user,
    }),
  });
  await response.body?.cancel();
  return response.status;
}

export interface SimulatedUsers {
  /** Every answer so far, in the order they came back. */
  readonly answers: Answer[];
  /** Feedback requests that were not recorded (status other than 200/201). */
  readonly feedbackFailures: number;
  stop(): Promise<void>;
}

/**
 * Users of a model, each with a stable key, sending real messages through the gateway until stopped.
 * A user who reads an answer tells the truth about it on a share of requests ("correct" or
 * "incorrect"), as the honest part of a production audience does: a model that answers worse draws
 * more "incorrect".
 */
export function simulateUsers(options: {
  url: string;
  model: string;
  messages: readonly CorpusMessage[];
  users: number;
  feedbackShare: number;
  concurrency?: number;
  seed?: number;
  /** Cut texts to this length so that the load fits a shared test machine. */
  maxTextLength?: number;
}): SimulatedUsers {
  const random = mulberry32(options.seed ?? 7);
  const answers: Answer[] = [];
  let feedbackFailures = 0;
  let stopped = false;
  const maxLength = options.maxTextLength ?? 2_000;
  const loop = async () => {
    while (!stopped) {
      const user = `user-${Math.floor(random() * options.users)}`;
      // Drawn at random, not in corpus order (whose groups differ in difficulty): every window of a
      // rollout sees the same mix, so a step compared with an earlier step's window compares like with like.
      const message = options.messages[Math.floor(random() * options.messages.length)]!;
      const answer = await predict(options.url, options.model, user, {
        text: message.text.slice(0, maxLength),
        label: message.label,
      });
      answers.push(answer);
      if (answer.status === 200 && random() < options.feedbackShare) {
        const status = await sendFeedback(options.url, answer, `fb-${answer.predictionId}`);
        if (status !== 200 && status !== 201) feedbackFailures++;
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 4 }, loop);
  return {
    answers,
    get feedbackFailures() {
      return feedbackFailures;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * The versions rollout tests roll out, trained once per file under one model: the era-1 champion, a
 * better candidate (era 1 + era-2 traffic) and a bad one (era 1 with every label flipped). Tests register
 * copies under models of their own (registerCopy).
 */
export async function trainRolloutVersions(harness: FlywheelHarness, traffic: readonly CorpusMessage[]) {
  const model = 'rollout-base';
  const get = async (versionId: string) => (await harness.deps.store.models.get(versionId))!;
  const champion = await get((await era1Champion(harness.deps, model)).versionId);
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const examples = (messages: readonly CorpusMessage[], flip: boolean) =>
    messages.map((m) => ({
      id: m.id,
      text: m.text,
      label: flip ? (m.label === 'spam' ? 'ham' : 'spam') : m.label,
      group: m.group,
    }));
  const better = await registerModelFromCorpus(harness.deps, {
    model,
    examples: examples([...era1, ...traffic], false),
    source: 'spamassassin:era-1 + era-2 traffic',
    champion: 'if-none',
    actor: 'test',
  });
  const flipped = await registerModelFromCorpus(harness.deps, {
    model,
    examples: examples(era1, true),
    source: 'spamassassin:era-1 with every label flipped',
    champion: 'if-none',
    actor: 'test',
    params: { epochs: 1 },
  });
  return { champion, better: await get(better.versionId), flipped: await get(flipped.versionId) };
}

/** The same trained version registered under another model: models of a test file share training. */
export async function registerCopy(
  harness: Pick<FlywheelHarness, 'deps'>,
  version: ModelVersion,
  model: string,
  options: { champion?: boolean; blessedBy?: string | null } = {},
): Promise<ModelVersion> {
  const copy: ModelVersion = {
    ...version,
    id: `${model}-${version.id.slice(-12)}`,
    model,
    blessedBy: options.blessedBy === undefined ? version.blessedBy : options.blessedBy,
  };
  await harness.deps.store.models.register(copy);
  if (options.champion) {
    await harness.deps.store.models.moveAlias({
      model,
      alias: 'champion',
      versionId: copy.id,
      reason: 'test champion',
      actor: 'test',
      at: Date.now(),
    });
  }
  return copy;
}

/** A model of a test's own: the champion serving it, and a candidate (blessed unless said otherwise). */
export async function modelWith(
  harness: Pick<FlywheelHarness, 'deps'>,
  model: string,
  versions: { champion: ModelVersion; candidate: ModelVersion },
  options: { blessed?: boolean } = {},
): Promise<{ championVersion: string; candidateVersion: string }> {
  const champion = await registerCopy(harness, versions.champion, model, { champion: true });
  const candidate = await registerCopy(harness, versions.candidate, model, {
    blessedBy: (options.blessed ?? true) ? 'test-report' : null,
  });
  return { championVersion: champion.id, candidateVersion: candidate.id };
}

export function userKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** One request from each user (message i for user i), at most `concurrency` in flight. */
export async function askEach(
  url: string,
  model: string,
  users: readonly string[],
  messages: readonly CorpusMessage[],
  concurrency = 16,
): Promise<Answer[]> {
  const answers: Answer[] = new Array(users.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < users.length) {
        const i = next++;
        const message = messages[i % messages.length]!;
        answers[i] = await predict(url, model, users[i]!, {
          text: message.text.slice(0, 2_000),
          label: message.label,
        });
      }
    }),
  );
  return answers;
}

/** The messages of an error and its causes, one per line. */
export function causes(error: unknown): string {
  const lines: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) lines.push(e.message);
  return lines.join('\n');
}

/** Waits until `check` holds, polling (a probe that throws is retried); fails with `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await probe();
      if (check(value)) return value;
      last = value;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
