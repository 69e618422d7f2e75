import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedFlags } from '../adapters/flags/embedded.ts';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';
import { describeFlagProviderContract } from './flag-provider-contract.ts';

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

describeFlagProviderContract('embedded', async () => openEmbeddedFlags(dataDir));

describe('embedded flag provider', () => {
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

  it('survives reopening the file', async () => {
    await open().write('spam', canary);
    await open().write('sentiment', { ...canary, mode: 'shadow', percent: 0 });
    const reopened = open();
    expect(await reopened.read('spam')).toEqual(canary);
    expect((await reopened.read('sentiment')).mode).toBe('shadow');
  });
});
