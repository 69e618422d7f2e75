import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { devServerEnv, runCli } from './support/cli-process.ts';
import { testClient } from './support/temporal.ts';

const server = devServerEnv;
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

test('a cycle config with a bad perturbation config or fresh-label weight is refused at cycle start: exit 2 naming each field and rule', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flywheel-cli-config-')), 'cycle.json');
  writeFileSync(
    file,
    JSON.stringify({
      gate: {
        robustness: {
          families: ['character-substitution', 'emoji'],
          maxDropBelowChampion: 1.5,
          bounds: { truncation: -0.1 },
        },
      },
      training: { freshLabelWeight: 0 },
    }),
  );
  // An unreachable server: the refusal comes before anything is sent.
  const result = runCli(['cycle', 'start', 'cli-config', '--config', file], {
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  expect(result.code).toBe(2);
  expectOneLine(result.stderr, /^flywheel: invalid cycle config: /);
  expect(result.stderr).toMatch(/gate\.robustness\.families\[1\]: [^;]*character-substitution/);
  expect(result.stderr).toMatch(/gate\.robustness\.maxDropBelowChampion: [^;]*1/);
  expect(result.stderr).toMatch(/gate\.robustness\.bounds\.truncation: [^;]*0/);
  expect(result.stderr).toMatch(/training\.freshLabelWeight: must be ≥ 1/);
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
