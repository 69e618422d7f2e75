import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './cli.ts';

/**
 * Commands that run a process until stopped (the dev stack, a worker, the gateway, the console): they
 * print logs, not one answer, so `--json` has nothing to shape. Every other command answers and exits.
 */
const PROCESSES = new Set(['dev', 'worker', 'gateway', 'console']);

function leaves(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

describe('the CLI', () => {
  const commands = leaves(buildProgram());

  it('has the commands the README lists, processes among them', () => {
    const paths = commands.map((c) => c.path);
    expect(paths).toEqual(
      expect.arrayContaining([...PROCESSES, 'cycle cancel', 'monitor stop', 'schedule delete']),
    );
    expect(paths.length).toBeGreaterThan(30);
  });

  it.each(commands.filter((c) => !PROCESSES.has(c.path)).map((c) => [c.path, c.command] as const))(
    '`flywheel %s --help` offers --json',
    (_path, command) => {
      expect(command.helpInformation()).toMatch(/^\s+--json\b/m);
    },
  );
});
