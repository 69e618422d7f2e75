import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../workers/free-port.ts';

export interface ThrowawayS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client with the root credentials, for a test's own checks (and tampering). */
  client: S3Client;
  /** Creates an empty bucket with a fresh name and returns the name. */
  createBucket(): Promise<string>;
  /** The variables a Flywheel process needs to use `s3://<bucket>/<prefix>`. */
  env(bucket: string, prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * A real S3-compatible server for tests: versitygw (built once by scripts/ensure-versitygw.sh) serving a
 * temporary folder on a free port of 127.0.0.1, with throwaway root credentials. stop() ends it and
 * removes the folder.
 */
export async function startThrowawayS3(): Promise<ThrowawayS3> {
  const binary = execFileSync(join(ROOT, 'scripts/ensure-versitygw.sh'), { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-s3-'));
  const port = await freePort();
  const accessKeyId = 'flywheel-test';
  const secretAccessKey = `secret-${process.pid}-${Date.now()}`;
  const region = 'us-east-1';
  const server = spawn(binary, ['--port', `127.0.0.1:${port}`, 'posix', dir], {
    env: {
      ...process.env,
      ROOT_ACCESS_KEY_ID: accessKeyId,
      ROOT_SECRET_ACCESS_KEY: secretAccessKey,
      VGW_REGION: region,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  const stop = async () => {
    client.destroy();
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(client, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  let buckets = 0;
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    client,
    async createBucket() {
      const name = `flywheel-test-${++buckets}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    env(bucket, prefix = 'artifacts') {
      return {
        FLYWHEEL_ARTIFACTS: `s3://${bucket}/${prefix}`,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      };
    },
    stop,
  };
}

async function waitUntilServing(client: S3Client, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`versitygw exited before serving:\n${log()}`);
    }
    try {
      await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`versitygw did not serve within ${READY_TIMEOUT_MS} ms:\n${log()}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
