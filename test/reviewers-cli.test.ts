import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openStore } from '../adapters/store/open-store.ts';
import { verifyPassword } from '../console/password-hash.ts';
import { CLI } from './support/cli-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-reviewers-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function reviewers(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, 'reviewers', ...args], {
    env: { ...process.env, FLYWHEEL_DATA_DIR: dataDir, FLYWHEEL_DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('`flywheel reviewers add` stores a scrypt hash of the password from stdin or a file, never the password', async () => {
  const added = reviewers(['add', 'alice'], 'first passphrase\n');
  expect(added).toMatchObject({ code: 0, stdout: 'reviewer alice added: sign in with `flywheel console`\n' });
  const file = join(dataDir, 'alice.pw');
  writeFileSync(file, 'second passphrase\n');
  expect(reviewers(['add', 'alice', '--password-file', file])).toMatchObject({
    code: 0,
    stdout: 'reviewer alice: password changed\n',
  });

  const store = await openStore({ dataDir });
  try {
    const account = (await store.reviewers.get('alice'))!;
    expect(account.passwordHash).not.toContain('passphrase');
    expect(await verifyPassword('second passphrase', account.passwordHash)).toBe(true);
    expect(await verifyPassword('first passphrase', account.passwordHash)).toBe(false);
  } finally {
    await store.close();
  }
  expect(reviewers(['list']).stdout).toMatch(/alice/);
});

test('a bad name or a short password is refused in one line with exit code 2', () => {
  const badName = reviewers(['add', 'rule:auto'], 'long enough passphrase');
  expect(badName.code).toBe(2);
  expect(badName.stderr).toMatch(/^flywheel: invalid reviewer name "rule:auto": must be letters, digits/);
  const short = reviewers(['add', 'bob'], 'short');
  expect(short.code).toBe(2);
  expect(short.stderr).toBe(
    'flywheel: the password must have at least 8 characters (give it on stdin or with --password-file)\n',
  );
});
