import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '../adapters/artifacts/open-artifact-store.ts';
import { openS3ArtifactStore } from '../adapters/artifacts/s3-artifact-store.ts';
import { freePort } from '../workers/free-port.ts';
import { describeArtifactStoreContract } from './artifact-store-contract.ts';
import { runCli } from './support/cli-process.ts';
import { startThrowawayS3, type ThrowawayS3 } from './support/s3-server.ts';

let s3: ThrowawayS3;
const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-s3-artifacts-'));
beforeAll(async () => {
  s3 = await startThrowawayS3();
});
afterAll(async () => {
  await s3?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describeArtifactStoreContract('S3', async () => {
  const bucket = await s3.createBucket();
  const prefix = 'models/spam';
  const artifacts = await openS3ArtifactStore({
    bucket,
    prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  return {
    artifacts,
    async tamper(sha256, bytes) {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}/${sha256.slice(0, 2)}/${sha256}`,
          Body: bytes,
        }),
      );
    },
    async close() {
      artifacts.close();
    },
  };
});

describe('choosing the artifact store', () => {
  it('uses files in the data folder unless FLYWHEEL_ARTIFACTS is set', async () => {
    const store = await openArtifactStore({ dataDir, env: {} });
    expect(store.kind).toBe('file');
    store.close();
  });

  it('uses the bucket FLYWHEEL_ARTIFACTS names, with the standard AWS variables; a second host sees the same artifacts', async () => {
    const bucket = await s3.createBucket();
    const trainingHost = await openArtifactStore({ dataDir: join(dataDir, 'a'), env: s3.env(bucket) });
    const gatewayHost = await openArtifactStore({ dataDir: join(dataDir, 'b'), env: s3.env(bucket) });
    expect(trainingHost.kind).toBe('s3');
    const sha = await trainingHost.put(Buffer.from('weights'));
    expect((await gatewayHost.get(sha)).toString()).toBe('weights');
    trainingHost.close();
    gatewayHost.close();
  });

  it('refuses a FLYWHEEL_ARTIFACTS that is not an s3:// URL, saying what is expected', async () => {
    await expect(
      openArtifactStore({ dataDir, env: { FLYWHEEL_ARTIFACTS: '/var/artifacts' } }),
    ).rejects.toThrow(/FLYWHEEL_ARTIFACTS is not a URL.*expected s3:\/\/bucket\/prefix/);
    await expect(
      openArtifactStore({ dataDir, env: { FLYWHEEL_ARTIFACTS: 'gs://bucket/x' } }),
    ).rejects.toThrow(/FLYWHEEL_ARTIFACTS must be an s3:\/\/bucket\/prefix URL/);
  });
});

describe('an unusable S3 at start-up', () => {
  it('names the setting and the address when nothing listens there', async () => {
    const port = await freePort();
    const env = { ...s3.env('any'), AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` };
    await expect(openArtifactStore({ dataDir, env })).rejects.toThrow(
      new RegExp(`^FLYWHEEL_ARTIFACTS=s3://any/artifacts: cannot reach S3 at http://127.0.0.1:${port}`),
    );
  });

  it('gives up on a server that accepts connections and never answers, instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const env = { ...s3.env('any'), AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` };
      await expect(openArtifactStore({ dataDir, env })).rejects.toThrow(
        `cannot reach S3 at http://127.0.0.1:${port} (no answer in time)`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('says which bucket is missing, and where', async () => {
    await expect(openArtifactStore({ dataDir, env: s3.env('no-such-bucket') })).rejects.toThrow(
      `FLYWHEEL_ARTIFACTS=s3://no-such-bucket/artifacts: bucket "no-such-bucket" does not exist at ${s3.endpoint}`,
    );
  });

  it('says the credentials were refused', async () => {
    const bucket = await s3.createBucket();
    const env = { ...s3.env(bucket), AWS_SECRET_ACCESS_KEY: 'wrong' };
    await expect(openArtifactStore({ dataDir, env })).rejects.toThrow(
      /was refused \(403\): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
  });

  it('stops a CLI command with one line and a non-zero exit code', async () => {
    const port = await freePort();
    const result = runCli(['datasets', 'list', 'spam'], {
      ...s3.env('any'),
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      FLYWHEEL_DATA_DIR: dataDir,
    });
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^flywheel: FLYWHEEL_ARTIFACTS=s3://any/artifacts: cannot reach S3 at http://127.0.0.1:${port}`,
      ),
    );
  });
});
