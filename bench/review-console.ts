/**
 * The review console's pace, in real Chromium against a private Temporal dev server, with the workers
 * and the console in this process (as `flywheel dev` runs them):
 *   - keyboard labelling: a scripted reviewer with zero think time presses a key as soon as the page
 *     shows the previous answer; decisions per minute, and per decision the key-to-answer time split
 *     into the POST (the console and the review's `decide` update) and what the page adds. Side by side,
 *     the same number of bare `decide` updates sent by the typed client, one after the other: the pace
 *     Temporal allows, which the page should come close to.
 *   - page load of a review with a large queue: navigation until the first item's full text is shown,
 *     the HTML alone, and the once-a-second `/state` poll the page keeps making.
 * Targets (issue 18): ≥ 60 decisions/min, page ready ≤ 1 s with a 500-item queue.
 *
 *   node bench/review-console.ts [--items 40] [--rounds 2] [--queue 500] [--loads 5]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Page } from 'playwright-core';
import { createActivities, createTrainingActivities } from '../activities/index.ts';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import { ReviewClient } from '../client/review-client.ts';
import { createConsole } from '../console/create-console.ts';
import { hashPassword } from '../console/password-hash.ts';
import { launchChromium, signIn } from '../test/support/console-browser.ts';
import { captureTraffic, era2 } from '../test/support/era-traffic.ts';
import { startDevServer } from '../workers/dev-server.ts';
import { openDeps } from '../workers/open-deps.ts';
import { DEFAULT_WORKFLOWS_PATH, startWorkers } from '../workers/run-workers.ts';
import { temporalLoggerFor } from '../workers/temporal-logging.ts';
import { type ReviewQueueView, reviewQueueQuery, reviewWorkflowId } from '../workflows/review-messages.ts';
import { loadAverage, machineLine, median, progress, table } from './machine.ts';
import { benchLogger } from './temporal-rig.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '2' },
    queue: { type: 'string', default: '500' },
    loads: { type: 'string', default: '5' },
  },
});
const ITEMS = Number(values.items);
const ROUNDS = Number(values.rounds);
const QUEUE = Number(values.queue);
const LOADS = Number(values.loads);
const PASSWORD = 'a long enough password';

const loadAtStart = loadAverage();
const root = mkdtempSync(join(tmpdir(), 'flywheel-bench-console-'));
const server = await startDevServer({ headless: true });
const deps = await openDeps({ dataDir: root, logger: benchLogger });
const suffix = randomUUID().slice(0, 8);
const taskQueue = `bench-console-${suffix}`;
const trainingTaskQueue = `bench-console-training-${suffix}`;
const workers = await startWorkers({
  target: { connectionOptions: { address: server.address }, namespace: server.namespace },
  logger: benchLogger,
  activities: createActivities(deps),
  trainingActivities: createTrainingActivities(deps),
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: DEFAULT_WORKFLOWS_PATH,
    logger: temporalLoggerFor(benchLogger),
  }),
  taskQueue,
  trainingTaskQueue,
});
const client = await FlywheelClient.connect(
  {
    address: server.address,
    namespace: server.namespace,
    connectionOptions: { address: server.address },
    embedded: false,
  },
  { taskQueue },
);
const reviews = new ReviewClient(client);
const now = Date.now();
await deps.store.reviewers.upsert({
  name: 'alice',
  passwordHash: await hashPassword(PASSWORD),
  createdAt: now,
  updatedAt: now,
});
const app = await createConsole({
  flywheel: client,
  store: deps.store,
  artifacts: deps.artifacts,
  logger: benchLogger,
  temporalUiUrl: null,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const browser = await launchChromium();

const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
const traffic = era2().traffic;
let models = 0;

/** A model of its own whose cycle sends `items` mined items to review; returns once the review is open. */
async function openReview(items: number): Promise<{ model: string; number: number; queue: ReviewQueueView }> {
  models += 1;
  const model = `bench-console-${models}`;
  const champion = await registerModelFromCorpus(deps, {
    model,
    examples: [
      ...era1.filter((message) => message.label === 'ham').slice(0, 150),
      ...era1.filter((message) => message.label === 'spam').slice(0, 150),
    ].map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin:easy-ham-1,spam-1 (300)',
    champion: 'always',
    actor: 'bench',
  });
  await captureTraffic(deps, {
    model,
    versionId: champion.versionId,
    messages: traffic.slice(0, Math.max(120, items * 3)),
    feedbackShare: 0.3,
    wrongFeedbackShare: 0.5,
    seed: models,
  });
  const started = await client.startCycle(model, {
    config: {
      mining: { labelBudget: items, maxPerClass: null, lowConfidenceThreshold: 0.999 },
      autoLabel: { rules: [] },
      review: { quorum: 1 },
      training: { taskQueue: trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  const handle = client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  for (;;) {
    const queue = await handle.query(reviewQueueQuery).catch(() => undefined);
    if (queue?.state === 'open') return { model, number: started.number, queue };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function reviewerPage(path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, base, 'alice', PASSWORD, path);
  return page;
}

interface KeyboardRound {
  decisions: number;
  perMinute: number;
  keyToAnswer: number[];
  /** The page's own clock: key handled until the next item is shown. */
  inPage: number[];
  post: number[];
  /** The console's own time answering each POST, almost all of it the review's `decide` update. */
  update: number[];
}

/** Zero think time: the next key goes as soon as the page has shown the previous answer. */
async function keyboardRound(): Promise<KeyboardRound> {
  const { model, number } = await openReview(ITEMS);
  const page = await reviewerPage(`/reviews/${model}/${number}`);
  await page.waitForSelector('#review[data-ready=true]');
  const keys = ['a', '1', 'a', '2', 'x'];
  const keyToAnswer: number[] = [];
  const startedAt = performance.now();
  while (await page.isVisible('#item')) {
    const before = Number(await page.getAttribute('#review', 'data-decisions'));
    const pressedAt = performance.now();
    await page.keyboard.press(keys[keyToAnswer.length % keys.length]!);
    await page.waitForFunction(
      `Number(document.getElementById('review').dataset.decisions) > ${before}`,
      null,
      {
        polling: 'raf',
      },
    );
    keyToAnswer.push(performance.now() - pressedAt);
    const answer = (await page.textContent('#answer')) ?? '';
    if (!answer.startsWith('accepted')) throw new Error(`a decision was not accepted: ${answer}`);
  }
  const minutes = (performance.now() - startedAt) / 60_000;
  const inPage = (await page.evaluate(
    "performance.getEntriesByName('decision').map((entry) => entry.duration)",
  )) as number[];
  const posts = (await page.evaluate(
    "performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/decide')).map((entry) => [entry.responseEnd - entry.startTime, entry.serverTiming.find((t) => t.name === 'review')?.duration ?? NaN])",
  )) as Array<[number, number]>;
  const post = posts.map(([duration]) => duration);
  const update = posts.map(([, server]) => server);
  await page.context().close();
  await client.cancelCycle(model, number).catch(() => undefined);
  return {
    decisions: keyToAnswer.length,
    perMinute: keyToAnswer.length / minutes,
    keyToAnswer,
    inPage,
    post,
    update,
  };
}

/** The same number of decisions as bare `decide` updates from the typed client, one after the other. */
async function bareRound(): Promise<{ decisions: number; perMinute: number; update: number[] }> {
  const { model, number, queue } = await openReview(ITEMS);
  const update: number[] = [];
  const startedAt = performance.now();
  for (const item of queue.pending) {
    const sentAt = performance.now();
    await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [item.ref] });
    update.push(performance.now() - sentAt);
  }
  const minutes = (performance.now() - startedAt) / 60_000;
  await client.cancelCycle(model, number).catch(() => undefined);
  return { decisions: update.length, perMinute: update.length / minutes, update };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

try {
  const rows: string[][] = [
    [
      'round',
      'side',
      'decisions',
      'per min',
      'median per decision',
      'in the page',
      'of which POST',
      'of which update',
      'max per decision',
    ],
  ];
  const pagePace: number[] = [];
  const barePace: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}/${ROUNDS}: keyboard`);
    const keyboard = await keyboardRound();
    pagePace.push(keyboard.perMinute);
    rows.push([
      String(round),
      'page, keyboard',
      String(keyboard.decisions),
      keyboard.perMinute.toFixed(0),
      ms(median(keyboard.keyToAnswer)),
      keyboard.inPage.length ? ms(median(keyboard.inPage)) : '–',
      ms(median(keyboard.post)),
      ms(median(keyboard.update)),
      ms(Math.max(...keyboard.keyToAnswer)),
    ]);
    progress(`round ${round}/${ROUNDS}: bare updates`);
    const bare = await bareRound();
    barePace.push(bare.perMinute);
    rows.push([
      String(round),
      'bare decide updates',
      String(bare.decisions),
      bare.perMinute.toFixed(0),
      ms(median(bare.update)),
      '',
      '',
      ms(median(bare.update)),
      ms(Math.max(...bare.update)),
    ]);
  }

  progress(`page load: a review with ${QUEUE} queued items`);
  const large = await openReview(QUEUE);
  const page = await reviewerPage('/reviews');
  const loads: Array<{
    queueQuery: number;
    itemDetail: number;
    ready: number;
    html: number;
    loaded: number;
    firstShown: number;
    textShown: number;
  }> = [];
  for (let i = 0; i < LOADS; i++) {
    const startedAt = performance.now();
    await page.goto(`${base}/reviews/${large.model}/${large.number}`);
    await page.waitForSelector('#review[data-ready=true]');
    await page.waitForFunction("performance.getEntriesByName('item-text-shown').length > 0", null, {
      polling: 'raf',
    });
    const ready = performance.now() - startedAt;
    const [html, loaded, firstShown, textShown, queueQuery, itemDetail] = (await page.evaluate(`(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const server = (name) => navigation.serverTiming.find((t) => t.name === name)?.duration ?? NaN;
      return [
        navigation.responseEnd,
        navigation.loadEventEnd,
        ...['item-excerpt-shown', 'item-text-shown'].map((name) => performance.getEntriesByName(name)[0].startTime),
        server('queue'),
        server('item'),
      ];
    })()`)) as number[];
    loads.push({
      ready,
      html: html!,
      loaded: loaded!,
      firstShown: firstShown!,
      textShown: textShown!,
      queueQuery: queueQuery!,
      itemDetail: itemDetail!,
    });
  }
  const listed = await page.locator('#queue-list li').count();
  const polls = (await page.evaluate(`(async () => {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const startedAt = performance.now();
      const body = await (await fetch(location.pathname + '/state')).text();
      times.push(performance.now() - startedAt);
      bytes = body.length;
    }
    return { times, bytes };
  })()`)) as { times: number[]; bytes: number };
  await page.context().close();
  await client.cancelCycle(large.model, large.number).catch(() => undefined);

  console.log(machineLine());
  console.log(`load average at start ${loadAtStart}, at the end ${loadAverage()}`);
  console.log('');
  console.log(`keyboard labelling, ${ITEMS} items per round, quorum 1, zero think time (target ≥ 60/min):`);
  console.log(table(rows));
  console.log(
    `median: page ${median(pagePace).toFixed(0)}/min, bare updates ${median(barePace).toFixed(0)}/min ` +
      `(page/bare ${(median(pagePace) / median(barePace)).toFixed(2)})`,
  );
  console.log('');
  console.log(
    `review page with ${listed} queued items (${LOADS} loads; target: ready ≤ 1 s), navigation until:`,
  );
  console.log(
    table([
      ['', 'median', 'max'],
      ...(
        [
          ['(server: the review queue query)', 'queueQuery'],
          ["(server: the first item's text, feedback and words)", 'itemDetail'],
          ['HTML received', 'html'],
          ['queue and first item shown', 'firstShown'],
          ["first item's full text shown", 'textShown'],
          ['load event done', 'loaded'],
          ['ready, as the driving script saw it (adds its own round trips)', 'ready'],
        ] as const
      ).map(([name, key]) => [
        name,
        ms(median(loads.map((load) => load[key]))),
        ms(Math.max(...loads.map((load) => load[key]))),
      ]),
    ]),
  );
  console.log(
    `the page's once-a-second /state poll: ${(polls.bytes / 1024).toFixed(0)} KiB, median ${ms(median(polls.times))}`,
  );
} finally {
  await browser.close();
  await app.close();
  await client.close();
  await workers.stop();
  await deps.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
