import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { startMonitor, stopMonitor } from '../client/monitors.ts';
import { createConsole } from '../console/create-console.ts';
import { hashPassword } from '../console/password-hash.ts';
import { type ReviewQueueView, reviewQueueQuery, reviewWorkflowId } from '../workflows/review-messages.ts';
import { launchChromium, screenshot, signIn } from './support/console-browser.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { fastRollout } from './support/rollout-traffic.ts';
import { testLogger } from './support/temporal.ts';

const MODEL = 'console-spam';
const ITEMS = 10;
const PASSWORD = 'a long enough password';

let harness: FlywheelHarness;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let cycleNumber: number;
let reviewPath: string;
/** Bob's page, opened before Alice settles items and left as it was: a stale page. */
let bob: { context: BrowserContext; page: Page };

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const ham = era1.filter((message) => message.label === 'ham').slice(0, 250);
  const spam = era1.filter((message) => message.label === 'spam').slice(0, 250);
  const champion = await registerModelFromCorpus(harness.deps, {
    model: MODEL,
    examples: [...ham, ...spam].map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin:easy-ham-1,spam-1 (500)',
    champion: 'always',
    actor: 'test',
  });
  await captureTraffic(harness.deps, {
    model: MODEL,
    versionId: champion.versionId,
    messages: era2().traffic.slice(0, 120),
    feedbackShare: 0.3,
    wrongFeedbackShare: 0.5,
    seed: 7,
  });
  for (const name of ['alice', 'bob', 'mallory']) {
    const now = Date.now();
    await harness.deps.store.reviewers.upsert({
      name,
      passwordHash: await hashPassword(PASSWORD),
      createdAt: now,
      updatedAt: now,
    });
  }
  app = await createConsole({
    flywheel: harness.client,
    store: harness.deps.store,
    artifacts: harness.deps.artifacts,
    logger: testLogger,
    temporalUiUrl: 'http://127.0.0.1:8233',
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();

  const started = await harness.client.startCycle(MODEL, {
    config: {
      mining: { labelBudget: ITEMS, lowConfidenceThreshold: 0.99 },
      autoLabel: { rules: [] },
      review: { reviewers: ['alice', 'bob'], quorum: 1 },
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  cycleNumber = started.number;
  reviewPath = `/reviews/${MODEL}/${cycleNumber}`;
  // Waits for the review to open (mining and loading the queue take as long as they take).
  while ((await queue())?.state !== 'open') await new Promise((resolve) => setTimeout(resolve, 250));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await harness?.close();
});

function queue(): Promise<ReviewQueueView | undefined> {
  const cycleId = `flywheel-cycle-${MODEL}-${cycleNumber}`;
  return harness.client.temporal.workflow
    .getHandle(reviewWorkflowId(cycleId))
    .query(reviewQueueQuery)
    .catch(() => undefined);
}

async function reviewerPage(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, base, name, PASSWORD, reviewPath);
  await page.waitForSelector('#review[data-ready=true]');
  return { context, page };
}

async function answerAfter(page: Page, press: () => Promise<void>): Promise<string> {
  const before = Number(await page.getAttribute('#review', 'data-decisions'));
  await press();
  await page.waitForFunction(`Number(document.getElementById('review').dataset.decisions) > ${before}`);
  return (await page.textContent('#answer')) ?? '';
}

/** A decision sent the way the page's keys send it, for the cases a key cannot reach (a stale item, a made-up label). */
function decideOnPage(page: Page, action: string, item: string, label?: string): Promise<string> {
  const args = [action, item, ...(label ? [label] : [])].map((arg) => JSON.stringify(arg)).join(', ');
  return page.evaluate(
    `window.reviewConsole.decide(${args}).then(() => document.getElementById('answer').textContent)`,
  );
}

test('a wrong password is refused on the sign-in page, and pages need a sign-in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}${reviewPath}`);
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await page.fill('input[name=name]', 'alice');
  await page.fill('input[name=password]', 'not her password');
  await page.click('button[type=submit]');
  await expect.poll(() => page.textContent('[role=alert]')).toMatch(/unknown reviewer or wrong password/);
  await screenshot(page, 'sign-in');
  await context.close();
});

test('a reviewer who is not on the allowlist is refused on the page, by the review itself', async () => {
  const { context, page } = await reviewerPage('mallory');
  expect(await page.textContent('[data-testid=not-allowed]')).toMatch(/not on this review's allowlist/);
  const answer = await answerAfter(page, () => page.keyboard.press('a'));
  expect(answer).toMatch(/^refused: reviewer "mallory" is not allowed to review \(see review\.reviewers\)/);
  expect((await queue())!.counts!.open).toBe(ITEMS);
  await context.close();
});

test('a mail holding markup renders as text: its <script> never runs', async () => {
  // The first item's stored text stands for a mail whose body is HTML with a script in it.
  const first = (await queue())!.pending[0]!;
  const stored = (await harness.deps.store.reviewItems.get(first.id))!;
  const hostile = `<script>window.pwned = true</script><img src=x onerror="window.pwned = true">\n${stored.text}`;
  await harness.deps.store.reviewItems.upsertMany([{ ...stored, text: hostile }]);

  const { context, page } = await reviewerPage('alice');
  await page.waitForFunction(`document.getElementById('item-text').textContent.includes('<script>')`);
  expect(await page.textContent('#item-text')).toContain('<script>window.pwned = true</script>');
  expect(await page.locator('#item-text script, #item-text img').count()).toBe(0);
  expect(await page.evaluate('window.pwned')).toBeUndefined();
  // Why it was mined and which words pushed the score, from the model's own weights.
  expect(await page.textContent('#item-reason')).toBe(first.reason);
  expect(await page.locator('#words-towards li').count()).toBeGreaterThan(0);
  expect(await page.textContent('#words-note')).toMatch(/model's own weights/);
  await screenshot(page, 'review');
  await context.close();
});

test('a stale page, a label the model lacks and an ended session are each answered on the page; nothing counts twice', async () => {
  bob = await reviewerPage('bob');
  const alice = await reviewerPage('alice');
  const target = await alice.page.getAttribute('#item', 'data-item');
  expect(await bob.page.getAttribute('#item', 'data-item')).toBe(target);

  const wrongLabel = await decideOnPage(alice.page, 'correct', target!, 'eggs');
  expect(wrongLabel).toMatch(/^refused: label "eggs" is not one of the model's labels \(ham, spam\)/);

  const proposed = (await queue())!.pending.find((item) => item.id === target)!;
  expect(await answerAfter(alice.page, () => alice.page.keyboard.press('a'))).toMatch(/^accepted: approved/);
  // Bob's page still shows the item Alice just settled; he decides on it before his page catches up,
  // and the review itself refuses it.
  const stale = await decideOnPage(bob.page, 'reject', target!);
  expect(stale).toBe(
    `refused: item ${proposed.ref} is already settled as ${proposed.proposedLabel} (by alice)`,
  );
  // Nor can he take back Alice's vote.
  const notHis = (await bob.page.evaluate(
    `window.reviewConsole.state.history.push(${JSON.stringify(target)});
     window.reviewConsole.undo().then(() => document.getElementById('answer').textContent)`,
  )) as string;
  expect(notHis).toBe(`refused: reviewer "bob" has no vote on item ${proposed.ref} to take back`);
  const after = (await queue())!;
  // Refused updates leave no trace in the review: Alice's vote is the only one.
  expect(after.decisions).toEqual({ accepted: 1, refused: 0 });
  expect(after.counts!.open).toBe(ITEMS - 1);
  // Bob sees Alice's progress without reloading.
  await bob.page.waitForFunction(`!document.querySelector('#queue-list li[data-item="${target}"]')`);

  // Every answer renews the session cookie (sessions roll), so a poll in flight would put it back:
  // the page's polls go unanswered first (the next one starts only when the last has finished).
  const pollFailed = alice.page.waitForEvent('requestfailed', (request) => request.url().endsWith('/state'));
  await alice.page.route('**/state', (route) => route.abort());
  await pollFailed;
  await alice.context.clearCookies();
  const expired = await answerAfter(alice.page, () => alice.page.keyboard.press('a'));
  expect(expired).toMatch(/^refused: your session has expired or you signed out: sign in again/);
  expect(await alice.page.locator('#answer a').getAttribute('href')).toMatch(/^\/sign-in\?next=/);
  expect((await queue())!.decisions.accepted).toBe(1);
  await alice.context.close();
});

test('a sign-in that reached its age is answered on the page with a link to sign in again; nothing is sent', async () => {
  // A console of its own whose sign-ins last 20 s; the review page is open long before that.
  const maxAgeMs = 20_000;
  const shortLived = await createConsole({
    flywheel: harness.client,
    store: harness.deps.store,
    artifacts: harness.deps.artifacts,
    logger: testLogger,
    temporalUiUrl: null,
    sessionMaxAgeMs: maxAgeMs,
  });
  await shortLived.listen({ port: 0, host: '127.0.0.1' });
  try {
    const shortBase = `http://127.0.0.1:${(shortLived.server.address() as AddressInfo).port}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Sessions roll: every answer renews them, so the page's once-a-second poll keeps a reviewer signed
    // in while the page is open. Here the poll goes unanswered, as when the reviewer has walked away.
    let lastAnswerAt = Date.now();
    page.on('response', () => {
      lastAnswerAt = Date.now();
    });
    await signIn(page, shortBase, 'alice', PASSWORD, reviewPath);
    await page.waitForSelector('#review[data-ready=true]');
    const accepted = (await queue())!.decisions.accepted;
    await page.route('**/state', (route) => route.abort());
    // Waits out the sign-in's age past the last answer the page had (a late one moves the wait on).
    while (Date.now() < lastAnswerAt + maxAgeMs + 1_000) {
      await new Promise((resolve) => setTimeout(resolve, lastAnswerAt + maxAgeMs + 1_000 - Date.now()));
    }
    const answer = await answerAfter(page, () => page.keyboard.press('a'));
    expect(answer).toMatch(
      /^refused: your session has expired or you signed out: sign in again \(nothing was sent\)/,
    );
    expect(await page.locator('#answer a').getAttribute('href')).toBe(
      `/sign-in?next=${encodeURIComponent(reviewPath)}`,
    );
    expect((await queue())!.decisions.accepted).toBe(accepted);
    await context.close();
  } finally {
    await shortLived.close();
  }
});

test('a reviewer labels the whole queue with the keyboard alone, and the cycle goes on to training', async () => {
  const { context, page } = await reviewerPage('alice');
  // Skip moves on without deciding; undo has nothing to go back to yet.
  const first = await page.getAttribute('#item', 'data-item');
  await page.keyboard.press('s');
  await page.waitForFunction(`document.getElementById('item').dataset.item !== ${JSON.stringify(first)}`);
  await page.keyboard.press('u');
  await page.waitForFunction(`document.getElementById('answer').textContent.includes('nothing to undo')`);

  const keys = ['a', '1', 'a', '2', 'x', 'a', 'a', '2', 'a', '1'];
  let decided = 0;
  while (await page.isVisible('#item')) {
    const item = await page.getAttribute('#item', 'data-item');
    const answer = await answerAfter(page, () => page.keyboard.press(keys[decided % keys.length]!));
    expect(answer).toMatch(/^accepted: /);
    decided += 1;
    if (decided === 4) await screenshot(page, 'review-progress');
    if (decided === 3) {
      // Undo takes the vote back in the review (with a quorum of 1 it had settled the item): the
      // item is open again and the page is back on it.
      const openBefore = (await queue())!.counts!.open;
      const undone = await answerAfter(page, () => page.keyboard.press('u'));
      expect(undone).toMatch(
        /^accepted: took back your vote \((ham|spam|reject)\) on \S+: you have no vote on it; the item is open/,
      );
      expect(await page.getAttribute('#item', 'data-item')).toBe(item);
      expect((await queue())!.counts!.open).toBe(openBefore + 1);
    }
  }
  // Every item once, and the undone one a second time.
  expect(decided).toBe(ITEMS);
  expect(await page.textContent('#nothing-left')).toMatch(/Every item is decided|closed/);
  // The last vote closed the review: undo is refused by it.
  const tooLate = await answerAfter(page, () => page.keyboard.press('u'));
  expect(tooLate).toMatch(
    /^refused: (the review is closed: every item is decided|review \S+ is closed: decisions no longer count)/,
  );

  const cycle = harness.client.temporal.workflow.getHandle(`flywheel-cycle-${MODEL}-${cycleNumber}`);
  const result = await cycle.result();
  expect(result.review).toMatchObject({ closedBy: 'complete', counts: { open: 0, items: ITEMS } });
  expect(result.secondsByStage).toHaveProperty('training');
  expect(result.candidateVersion).not.toBeNull();
  await context.close();
});

test('a page left open on a closed review is told so', async () => {
  const item = (await bob.page.evaluate(
    'window.reviewConsole.state.queue.pending[0]?.id ?? "none"',
  )) as string;
  const answer = await decideOnPage(bob.page, 'approve', item);
  expect(answer).toMatch(
    /^refused: (review \S+ is closed: decisions no longer count|the review is closed: every item is decided)/,
  );
  await bob.context.close();
});

test('a review page with a 500-item queue lists every open item', async () => {
  // A second model whose cycle sends 500 mined items to review.
  const model = 'console-load';
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const champion = await registerModelFromCorpus(harness.deps, {
    model,
    examples: [
      ...era1.filter((message) => message.label === 'ham').slice(0, 150),
      ...era1.filter((message) => message.label === 'spam').slice(0, 150),
    ].map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin:easy-ham-1,spam-1 (300)',
    champion: 'always',
    actor: 'test',
  });
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: era2().traffic.slice(0, 1_400),
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    seed: 11,
  });
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: 500, maxPerClass: null, lowConfidenceThreshold: 0.999 },
      autoLabel: { rules: [] },
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  const handle = harness.client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  let opened: ReviewQueueView | undefined;
  while (opened?.state !== 'open') {
    opened = await handle.query(reviewQueueQuery).catch(() => undefined);
    if (opened?.state !== 'open') await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, base, 'alice', PASSWORD, '/reviews');
  // How fast it loads is measured by bench/review-console.ts, not here.
  await page.goto(`${base}/reviews/${model}/${started.number}`);
  await page.waitForSelector('#review[data-ready=true]');
  expect(await page.locator('#queue-list li').count()).toBe(opened.pending.length);
  expect(opened.pending.length).toBeGreaterThan(400);
  await screenshot(page, 'review-large-queue');
  await context.close();
  await harness.client.cancelCycle(model, started.number);
});

test("the overview shows each model's loop, and a rollout's step change without a reload", async () => {
  const status = await harness.client.cycleStatus(MODEL, cycleNumber);
  await harness.client.startRollout(MODEL, status.candidateVersion!, {
    config: fastRollout({ steps: [20, 100], soak: '10m' }),
    trigger: 'test',
    allowUnblessed: true,
  });
  // A monitor that checks every second and never starts a cycle: its figures feed the board's charts.
  await startMonitor(harness.client, MODEL, {
    policy: {
      checkEvery: '1s',
      window: '4s',
      minWindowPredictions: 1_000_000,
      backlogThreshold: 1_000_000,
      maxFeedbackErrorRate: 1,
      maxFeedbackErrorRateIncrease: 1,
      cooldown: '1h',
    },
    cycleConfig: { training: { taskQueue: harness.trainingTaskQueue } },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, base, 'bob', PASSWORD, '/');
  await page.evaluate('window.loadedOnce = true');
  const model = page.locator(`section.model[data-model="${MODEL}"]`);
  await expect
    .poll(() => model.locator('[data-testid=rollout-step]').textContent(), { timeout: 60_000, interval: 250 })
    .toMatch(/step 1\/2: canary 20%/);
  expect(await model.locator('[data-testid=canary-share]').textContent()).toBe('20%');
  expect(await model.locator('a', { hasText: 'Temporal UI' }).first().getAttribute('href')).toContain(
    `/workflows/flywheel-cycle-${MODEL}-${cycleNumber}`,
  );
  await expect
    .poll(() => model.locator('.charts polyline').first().getAttribute('points'), {
      timeout: 60_000,
      interval: 250,
    })
    .toMatch(/^\S+ \S+/);
  await screenshot(page, 'overview');

  await harness.client.signalRollout(MODEL, 'promote', { by: 'bob', reason: 'looks right' });
  await expect
    .poll(() => model.locator('[data-testid=rollout-step]').textContent(), { timeout: 60_000, interval: 250 })
    .toMatch(/promoted at step 1\/2/);
  expect(await page.evaluate('window.loadedOnce')).toBe(true);
  await context.close();
  await stopMonitor(harness.client, MODEL);
});
