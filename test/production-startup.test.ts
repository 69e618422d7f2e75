import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../workers/free-port.ts';
import { spawnCli } from './support/cli-process.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { startThrowawayS3, type ThrowawayS3 } from './support/s3-server.ts';
import { startThrowawayUnleash, type ThrowawayUnleash } from './support/unleash.ts';

/**
 * The long-running roles (`flywheel gateway`, `flywheel worker`) started against an Unleash or an S3 they
 * cannot use: each stops by itself with one line that names the setting and the address, and a non-zero
 * exit code. Never a hang: a server that accepts connections and never answers is given up on too.
 */

let postgres: ThrowawayPostgres;
let unleash: ThrowawayUnleash;
let s3: ThrowawayS3;
let bucket: string;
let dataDir: string;
let silent: { url: string; close(): void };

/** Far beyond the 5 s connect bounds: only a process that hangs reaches it. */
const HANG_MS = 90_000;

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  unleash = await startThrowawayUnleash(postgres);
  s3 = await startThrowawayS3();
  bucket = await s3.createBucket();
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-startup-'));
  silent = await silentServer();
}, 300_000);

afterAll(async () => {
  silent?.close();
  await s3?.stop();
  await unleash?.stop();
  await postgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close(): void }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

type Role = 'gateway' | 'worker';

/** The role's command, its environment (a role gets only its own Unleash token), run until it exits. */
async function start(role: Role, env: Record<string, string>) {
  const port = await freePort();
  const args = role === 'gateway' ? ['gateway', '--port', String(port)] : ['worker'];
  const { FLYWHEEL_UNLEASH_ADMIN_TOKEN, FLYWHEEL_UNLEASH_BACKEND_TOKEN, ...shared } = {
    ...unleash.env(),
    ...s3.env(bucket),
    ...env,
  };
  const token: Record<string, string> =
    role === 'gateway'
      ? { FLYWHEEL_UNLEASH_BACKEND_TOKEN: FLYWHEEL_UNLEASH_BACKEND_TOKEN ?? '' }
      : { FLYWHEEL_UNLEASH_ADMIN_TOKEN: FLYWHEEL_UNLEASH_ADMIN_TOKEN ?? '' };
  const child = spawnCli(args, {
    ...shared,
    ...token,
    FLYWHEEL_DATA_DIR: dataDir,
    // Nothing listens there: a worker that got past its deps would fail on Temporal, not hang on it.
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const hang = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(hang);
  expect(signal, `${role} hung: killed after ${HANG_MS} ms\n${stdout}\n${stderr}`).toBeNull();
  return { code, stdout, stderr: stderr.trim().split('\n') };
}

const roles: Role[] = ['gateway', 'worker'];

describe.each(roles)('flywheel %s at start-up', (role) => {
  const token = role === 'gateway' ? 'FLYWHEEL_UNLEASH_BACKEND_TOKEN' : 'FLYWHEEL_UNLEASH_ADMIN_TOKEN';

  it('stops with one line naming FLYWHEEL_UNLEASH_URL when nothing listens there', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await start(role, { FLYWHEEL_UNLEASH_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `flywheel: FLYWHEEL_UNLEASH_URL=${url}: cannot reach Unleash at ${url} (nothing listens there)`,
    ]);
  });

  it('stops with one line when Unleash accepts the connection and never answers', async () => {
    const result = await start(role, { FLYWHEEL_UNLEASH_URL: silent.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `flywheel: FLYWHEEL_UNLEASH_URL=${silent.url}: cannot reach Unleash at ${silent.url} (no answer in time)`,
    ]);
  });

  it(`says ${token} was refused (401/403)`, async () => {
    const result = await start(role, {
      [token]: role === 'gateway' ? 'default:production.wrong' : '*:*.wrong',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(
      new RegExp(`^flywheel: ${token} was refused by Unleash at ${unleash.url} \\(40[13]\\)`),
    );
  });

  it('stops with one line naming FLYWHEEL_UNLEASH_URL when it is not an address', async () => {
    const result = await start(role, { FLYWHEEL_UNLEASH_URL: 'unleash:4242' });
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'flywheel: FLYWHEEL_UNLEASH_URL must be an http:// or https:// address (got "unleash:4242")',
    ]);
  });

  it('stops with one line naming FLYWHEEL_ARTIFACTS and the S3 address when nothing listens there', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const result = await start(role, { AWS_ENDPOINT_URL: endpoint });
    expect(result.code).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(
      new RegExp(`^flywheel: FLYWHEEL_ARTIFACTS=s3://${bucket}/artifacts: cannot reach S3 at ${endpoint}`),
    );
  });

  it('stops with one line when S3 accepts the connection and never answers', async () => {
    const result = await start(role, { AWS_ENDPOINT_URL: silent.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `flywheel: FLYWHEEL_ARTIFACTS=s3://${bucket}/artifacts: cannot reach S3 at ${silent.url} (no answer in time): check AWS_ENDPOINT_URL, or that the server is running`,
    ]);
  });

  it('stops with one line naming FLYWHEEL_ARTIFACTS when it is not an s3:// URL', async () => {
    const result = await start(role, { FLYWHEEL_ARTIFACTS: 'https://ml-artifacts' });
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'flywheel: FLYWHEEL_ARTIFACTS must be an s3://bucket/prefix URL (got "https://ml-artifacts"); leave it unset for files in the data folder',
    ]);
  });

  it('says the S3 credentials were refused, and names the bucket that does not exist', async () => {
    const refused = await start(role, { AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(
      /^flywheel: FLYWHEEL_ARTIFACTS=.*was refused \(403\): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    const missing = await start(role, { FLYWHEEL_ARTIFACTS: 's3://no-such-bucket/artifacts' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toHaveLength(1);
    expect(missing.stderr[0]).toMatch(
      `flywheel: FLYWHEEL_ARTIFACTS=s3://no-such-bucket/artifacts: bucket "no-such-bucket" does not exist at ${s3.endpoint}`,
    );
  });
});
