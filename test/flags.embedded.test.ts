import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';

let dataDir: string;
let opened: FlagProvider[];
const open = () => {
  const flags = openEmbeddedFlags(dataDir);
  opened.push(flags);
  return flags;
};
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-flags-'));
  opened = [];
});
afterEach(async () => {
  for (const flags of opened) await flags.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const canary: RolloutState = {
  championVersion: 'mv-1',
  candidateVersion: 'mv-2',
  mode: 'canary',
  percent: 12.5,
};

describe('embedded flag provider', () => {
  it('reads an unknown model as champion-only with no version', async () => {
    expect(await open().read('spam')).toEqual({
      championVersion: null,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
  });

  it('shows a write by one process to another opened on the same file (gateway and worker)', async () => {
    const worker = open();
    const gateway = open();
    expect(await worker.write('spam', canary)).toEqual({ changed: true });
    expect(await gateway.read('spam')).toEqual(canary);
    const promoted: RolloutState = {
      championVersion: 'mv-2',
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    };
    expect(await gateway.write('spam', promoted)).toEqual({ changed: true });
    expect(await worker.read('spam')).toEqual(promoted);
    expect(await worker.read('other')).toEqual({
      championVersion: null,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
  });

  it('changes nothing when the state written is the state it has', async () => {
    const flags = open();
    await flags.write('spam', canary);
    expect(await flags.write('spam', { ...canary })).toEqual({ changed: false });
    expect(await open().write('spam', { ...canary, percent: 25 })).toEqual({ changed: true });
    expect(await flags.read('spam')).toEqual({ ...canary, percent: 25 });
  });

  it('writes nothing at all when the state is unchanged', async () => {
    const flags = open();
    await flags.write('spam', canary);
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(dataDir, 'flags.db'));
    const updatedAt = () =>
      db.prepare('SELECT updated_at FROM rollout_flags WHERE model = ?').get('spam')?.updated_at;
    const before = updatedAt();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await flags.write('spam', canary);
    expect(updatedAt()).toBe(before);
    db.close();
  });

  it('keeps the flags of models apart and survives reopening the file', async () => {
    await open().write('spam', canary);
    await open().write('sentiment', { ...canary, mode: 'shadow', percent: 0 });
    const reopened = open();
    expect(await reopened.read('spam')).toEqual(canary);
    expect((await reopened.read('sentiment')).mode).toBe('shadow');
  });

  it('refuses an invalid state or model name, saying what is wrong', async () => {
    const flags = open();
    await expect(flags.write('spam', { ...canary, percent: 140 })).rejects.toThrow(
      /invalid rollout state of spam.*percent/s,
    );
    await expect(flags.write('Spam Model', canary)).rejects.toThrow(/invalid model name/);
    expect((await flags.read('spam')).mode).toBe('off');
  });
});
