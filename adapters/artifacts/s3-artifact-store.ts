import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { networkFailureReason } from '../network-failure.ts';
import {
  ArtifactCorruptedError,
  ArtifactNotFoundError,
  type ArtifactStore,
  assertSha256,
} from './artifact-store.ts';

export interface S3ArtifactConfig {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  /** AWS_ENDPOINT_URL: an S3-compatible server (MinIO, versitygw, Ceph…); unset for AWS itself. */
  endpoint?: string | undefined;
  region: string;
  /** Unset: the SDK's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** How long opening waits for the server before it gives up and says so. */
  connectTimeoutMs?: number;
}

export interface S3ArtifactStore extends ArtifactStore {
  readonly location: string;
  close(): void;
}

const SETTING = 'FLYWHEEL_ARTIFACTS';

/**
 * Artifacts as objects `<prefix>/<first two hex digits>/<sha256>` in one bucket, shared by every host. An
 * object is written whole by one PUT (S3 never shows half an object), so no temporary name is needed; a
 * read hashes the bytes and refuses what does not match its address, exactly as the file store does.
 * Opening checks that the bucket is there and the credentials are accepted, with a short timeout, so a
 * misconfigured process stops at start-up with one line instead of failing its first training.
 */
export async function openS3ArtifactStore(config: S3ArtifactConfig): Promise<S3ArtifactStore> {
  const connectTimeoutMs = config.connectTimeoutMs ?? 5_000;
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    requestHandler: { connectionTimeout: connectTimeoutMs, requestTimeout: 120_000 },
  });
  const address = config.endpoint ?? `AWS S3 (${config.region})`;
  const location = `s3://${config.bucket}${config.prefix ? `/${config.prefix}` : ''}`;
  const keyOf = (sha256: string) =>
    `${config.prefix ? `${config.prefix}/` : ''}${sha256.slice(0, 2)}/${sha256}`;

  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }), {
      abortSignal: AbortSignal.timeout(connectTimeoutMs),
    });
  } catch (error) {
    client.destroy();
    throw new Error(`${SETTING}=${location}: ${whyUnusable(error, config.bucket, address)}`, {
      cause: error,
    });
  }

  const readVerified = async (sha256: string): Promise<Buffer> => {
    let bytes: Buffer;
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: keyOf(sha256) }));
      bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
    } catch (error) {
      if (isMissing(error)) throw new ArtifactNotFoundError(sha256, location);
      throw error;
    }
    const actual = sha256Of(bytes);
    if (actual !== sha256) throw new ArtifactCorruptedError(sha256, `${location}/${keyOf(sha256)}`, actual);
    return bytes;
  };

  return {
    location,
    async put(bytes) {
      const sha256 = sha256Of(bytes);
      // Present and intact: nothing to do. Missing or corrupted: (re)write it.
      const intact = await readVerified(sha256).then(
        () => true,
        (error) => {
          if (error instanceof ArtifactNotFoundError || error instanceof ArtifactCorruptedError) return false;
          throw error;
        },
      );
      if (intact) return sha256;
      await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: keyOf(sha256),
          Body: bytes,
          ContentType: 'application/octet-stream',
          // The server checks the body against this before it stores it: no torn upload is kept.
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
        }),
      );
      return sha256;
    },
    async get(sha256) {
      assertSha256(sha256);
      return readVerified(sha256);
    },
    async has(sha256) {
      assertSha256(sha256);
      try {
        await client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: keyOf(sha256) }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    close() {
      client.destroy();
    },
  };
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}

function whyUnusable(error: unknown, bucket: string, address: string): string {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (status === 404 || error.name === 'NotFound' || error.name === 'NoSuchBucket') {
      return `bucket "${bucket}" does not exist at ${address}: create it, or point ${SETTING} at an existing bucket`;
    }
    if (status === 401 || status === 403) {
      return `access to bucket "${bucket}" at ${address} was refused (${status}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
    }
    return `S3 at ${address} answered ${status ?? ''} ${error.name}`.replace(/\s+/g, ' ');
  }
  return `cannot reach S3 at ${address} (${networkFailureReason(error)}): check AWS_ENDPOINT_URL, or that the server is running`;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
