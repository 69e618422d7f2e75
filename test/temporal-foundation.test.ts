import { randomUUID } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CYCLE_NUMBER, MODEL, STAGE } from '../workflows/search-attributes.ts';
import { testClient, testWorkers } from './support/temporal.ts';
import { advance, stageQuery } from './workflows/probe.ts';

const taskQueue = `foundation-${randomUUID()}`;
let env: Awaited<ReturnType<typeof testClient>>;
let workers: Awaited<ReturnType<typeof testWorkers>>;

beforeAll(async () => {
  env = await testClient();
  workers = await testWorkers({
    workflowsPath: new URL('./workflows/probe.ts', import.meta.url).pathname,
    activities: {},
    taskQueue,
  });
});

afterAll(async () => {
  await workers?.stop();
  await env?.connection.close();
});

test('a workflow carries typed search attributes and a summary, answers queries and signals, and is found through visibility', async () => {
  const workflowId = `probe-${randomUUID()}`;
  const handle = await env.client.workflow.start('probe', {
    taskQueue,
    workflowId,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: MODEL, value: 'spam-filter' },
      { key: CYCLE_NUMBER, value: 7 },
      { key: STAGE, value: 'started' },
    ]),
    staticSummary: 'probe of spam-filter',
  });
  expect(await handle.query(stageQuery)).toBe('started');

  await handle.signal(advance, 'evaluating');
  await expect.poll(() => handle.query(stageQuery), { timeout: 30_000 }).toBe('evaluating');

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(MODEL)).toBe('spam-filter');
  expect(description.typedSearchAttributes.get(CYCLE_NUMBER)).toBe(7);
  expect(description.typedSearchAttributes.get(STAGE)).toBe('evaluating');
  expect(await description.staticSummary()).toBe('probe of spam-filter');

  // Visibility is eventually consistent: poll the list API until the upserted stage shows.
  const query = `FlywheelModel = 'spam-filter' AND FlywheelStage = 'evaluating' AND WorkflowId = '${workflowId}'`;
  await expect
    .poll(
      async () => {
        const found: string[] = [];
        for await (const execution of env.client.workflow.list({ query })) found.push(execution.workflowId);
        return found;
      },
      { timeout: 10_000, interval: 250 },
    )
    .toEqual([workflowId]);

  await handle.signal(advance, 'done');
  expect(await handle.result()).toBe('done');
});
