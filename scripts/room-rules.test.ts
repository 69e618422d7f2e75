import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOM_RULES, roomViolations } from './room-rules.ts';

test('no room imports a room the layout does not allow (client never cli, workers never cli, core only core)', () => {
  expect(roomViolations()).toEqual([]);
});

test('the rules keep the rooms acyclic: no room may reach back to itself', () => {
  const reachable = (from: string): Set<string> => {
    const seen = new Set<string>();
    const next = [...(ROOM_RULES[from]?.may ?? [])];
    while (next.length > 0) {
      const room = next.pop()!;
      if (seen.has(room)) continue;
      seen.add(room);
      next.push(...(ROOM_RULES[room]?.may ?? []));
    }
    return seen;
  };
  for (const room of Object.keys(ROOM_RULES)) expect(reachable(room).has(room), room).toBe(false);
  expect(ROOM_RULES.core!.may).toEqual([]);
  expect(ROOM_RULES.client!.may).not.toContain('cli');
  expect(ROOM_RULES.workers!.may).not.toContain('cli');
});

test('a forbidden import is found, naming the file and the rule', () => {
  // A project of two files: core importing the client is refused, the client importing core is not.
  const folder = mkdtempSync(join(tmpdir(), 'room-rules-'));
  try {
    mkdirSync(join(folder, 'core'));
    mkdirSync(join(folder, 'client'));
    writeFileSync(join(folder, 'core/probe.ts'), "import { FlywheelClient } from '../client/client.ts';\n");
    writeFileSync(join(folder, 'client/client.ts'), "import type { Probe } from '../core/probe.ts';\n");
    expect(roomViolations(folder)).toEqual([
      { file: 'core/probe.ts', imports: '../client/client.ts', rule: 'core/ may import only itself' },
    ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
