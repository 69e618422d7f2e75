import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const LAUNCHER = new URL('../flywheel', import.meta.url).pathname;

/** The Node flags `./flywheel <args>` starts the CLI with: its `exec` line, as `bash -x` traces it. */
function nodeFlagsOf(args: string[], env: Record<string, string> = {}): string[] {
  const run = spawnSync('bash', ['-x', LAUNCHER, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const exec = run.stderr.split('\n').find((line) => line.startsWith('+ exec '));
  expect(exec, run.stderr).toBeDefined();
  const words = exec!.split(' ');
  return words.slice(
    3,
    words.findIndex((word) => word.endsWith('/cli/bin.ts')),
  );
}

describe('./flywheel: the Node flags of the processes that run workers', () => {
  it('caps the young generation and keeps the old one below 2 GB for worker, dev and demo', () => {
    for (const command of ['worker', 'dev', 'demo']) {
      expect(nodeFlagsOf([command, '--help']), command).toEqual(
        expect.arrayContaining(['--max-semi-space-size=16', '--max-old-space-size=2000']),
      );
    }
  });

  it('leaves the gateway and the other commands with Node’s defaults', () => {
    for (const command of ['gateway', 'cycle']) {
      const flags = nodeFlagsOf([command, '--help']);
      expect(
        flags.filter((flag) => flag.includes('space-size')),
        command,
      ).toEqual([]);
    }
  });

  it('lets NODE_OPTIONS choose either size', () => {
    const flags = nodeFlagsOf(['worker', '--help'], { NODE_OPTIONS: '--max-old-space-size=4000' });
    expect(flags).toContain('--max-semi-space-size=16');
    expect(flags.filter((flag) => flag.startsWith('--max-old-space-size'))).toEqual([]);
    expect(
      nodeFlagsOf(['worker', '--help'], { NODE_OPTIONS: '--max-semi-space-size=32' }).filter((flag) =>
        flag.startsWith('--max-semi-space-size'),
      ),
    ).toEqual([]);
  });
});
