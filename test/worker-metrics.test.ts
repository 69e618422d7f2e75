import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { freePort } from '../workers/free-port.ts';
import { devServerEnv, spawnCli } from './support/cli-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-worker-metrics-'));
let worker: ChildProcess | undefined;
const output: string[] = [];

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker!.once('exit', resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** The value of one unlabelled series in Prometheus text, or undefined. */
function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('`flywheel worker --metrics-port` serves process and Temporal SDK metrics on GET /metrics; the training worker logs no warning for having no workflows', async () => {
  const port = await freePort();
  worker = spawnCli(
    ['worker', '--training-only', '--training-task-queue', `metrics-${port}`, '--metrics-port', String(port)],
    {
      ...devServerEnv(),
      FLYWHEEL_DATA_DIR: dataDir,
      // The SDK's info lines too: the training worker's "no workflows" notice must be among them, not a warning.
      FLYWHEEL_TEMPORAL_LOG_LEVEL: 'info',
    },
  );
  worker.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

  const url = `http://127.0.0.1:${port}/metrics`;
  // The SDK's series appear once its pollers have started; until then the endpoint may not listen yet.
  let text = '';
  await expect
    .poll(
      async () => {
        if (worker?.exitCode !== null) throw new Error(`worker exited:\n${output.join('')}`);
        const response = await fetch(url).catch(() => null);
        if (!response) return false;
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        text = await response.text();
        return /^temporal_\w+\{[^}]*task_queue="metrics-\d+"/m.test(text);
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe(true);

  expect(value(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  expect(text).toMatch(/^temporal_\w+_total\{/m); // counters carry the conventional suffix

  const elsewhere = await fetch(`http://127.0.0.1:${port}/other`);
  expect(elsewhere.status).toBe(404);
  expect(await elsewhere.json()).toMatchObject({ error: { code: 'route_not_found' } });

  worker.kill('SIGTERM');
  const code = await new Promise((resolve) => worker!.once('exit', resolve));
  expect(code).toBe(0);

  // A training worker has no workflows by design: the SDK's notice of it is information, not a warning.
  const notice = output
    .join('')
    .split('\n')
    .find((line) => line.includes('No workflows registered'));
  expect(notice, output.join('')).toBeDefined();
  expect(JSON.parse(notice!).level).toBe(30);
});
