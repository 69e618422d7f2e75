import { afterAll, expect, inject, test } from 'vitest';
import { runCli } from './support/cli-process.ts';
import { testClient } from './support/temporal.ts';

const server = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: inject('temporalNamespace'),
});
const started: string[] = [];

afterAll(async () => {
  const { client, connection } = await testClient();
  for (const workflowId of started) {
    await client.workflow
      .getHandle(workflowId)
      .terminate('test cleanup')
      .catch(() => undefined);
  }
  await connection.close();
});

/** A user sees one line on stderr, never a stack trace. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

test('an unreachable Temporal server: one line naming the address and how to fix it, exit 3', () => {
  const result = runCli(['cycle', 'list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(result.code).toBe(3);
  expectOneLine(
    result.stderr,
    /^flywheel: cannot reach Temporal at 127\.0\.0\.1:1: start it with `\.\/flywheel dev`/,
  );
});

test('an unknown cycle: exit 4 with where to look', () => {
  const result = runCli(['cycle', 'status', 'no-such-model', '7'], server());
  expect(result.code).toBe(4);
  expectOneLine(result.stderr, /^flywheel: no cycle flywheel-cycle-no-such-model-7: list them with/);
  const latest = runCli(['cycle', 'status', 'no-such-model'], server());
  expect(latest.code).toBe(4);
  expectOneLine(latest.stderr, /no-such-model has no cycles yet/);
});

test('a second cycle of a model while one runs: exit 5 naming the running cycle', () => {
  // No worker serves the default task queue in the tests, so the first cycle stays running.
  const first = runCli(['cycle', 'start', 'cli-busy', '--json'], server());
  expect(first.code, first.stderr).toBe(0);
  const { workflowId, number } = JSON.parse(first.stdout) as { workflowId: string; number: number };
  started.push(workflowId);
  expect(number).toBe(1);

  const second = runCli(['cycle', 'start', 'cli-busy'], server());
  expect(second.code).toBe(5);
  expectOneLine(
    second.stderr,
    /^flywheel: cycle 1 of cli-busy is already running \(flywheel-cycle-cli-busy-1\)/,
  );

  const listed = runCli(['cycle', 'list', 'cli-busy', '--running', '--json'], server());
  expect(listed.code).toBe(0);
  expect((JSON.parse(listed.stdout) as Array<{ workflowId: string }>).map((c) => c.workflowId)).toEqual([
    workflowId,
  ]);
});

test('bad arguments are refused before anything is sent: exit 2', () => {
  const badName = runCli(['cycle', 'start', 'Bad Name'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(badName.code).toBe(2);
  expectOneLine(
    badName.stderr,
    /^flywheel: model name "Bad Name": must be lowercase letters, digits and dashes/,
  );

  const missing = runCli(['cycle', 'status'], server());
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/missing required argument 'model'/);

  const number = runCli(['cycle', 'status', 'spam', 'three'], server());
  expect(number.code).toBe(2);
  expectOneLine(number.stderr, /"three" is not a positive whole number/);
});

test('a training concurrency that is not a whole number ≥ 1 is refused before the worker starts: exit 2', () => {
  const option = runCli(['worker', '--training-concurrency', '0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(option.code).toBe(2);
  expectOneLine(option.stderr, /^flywheel: --training-concurrency must be a whole number ≥ 1 \(got "0"\)/);

  const variable = runCli(['worker'], {
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    FLYWHEEL_TRAINING_CONCURRENCY: 'many',
  });
  expect(variable.code).toBe(2);
  expectOneLine(
    variable.stderr,
    /^flywheel: FLYWHEEL_TRAINING_CONCURRENCY must be a whole number ≥ 1 \(got "many"\)/,
  );
});

test('demo --seeds refuses a list that is not whole-number seeds: exit 2', () => {
  const result = runCli(['demo', '--seeds', '7,x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(result.code).toBe(2);
  expectOneLine(result.stderr, /"7,x" is not a comma-separated list of whole-number seeds/);
});
