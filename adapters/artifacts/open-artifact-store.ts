import type { ArtifactStore } from './artifact-store.ts';
import { openFileArtifactStore } from './file-artifact-store.ts';
import { openS3ArtifactStore } from './s3-artifact-store.ts';

export interface ArtifactStoreConfig {
  dataDir: string;
  /** The process environment: FLYWHEEL_ARTIFACTS and the standard AWS variables. */
  env: NodeJS.ProcessEnv;
}

/**
 * The configured artifact store: files under the data folder by default, or an S3 bucket shared by every
 * host with FLYWHEEL_ARTIFACTS=s3://bucket/prefix (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY as for any AWS tool). `close` releases the S3 client's connections.
 */
export async function openArtifactStore(
  config: ArtifactStoreConfig,
): Promise<ArtifactStore & { readonly kind: 'file' | 's3'; close(): void }> {
  const setting = config.env.FLYWHEEL_ARTIFACTS?.trim();
  if (!setting) return { kind: 'file', ...openFileArtifactStore(config.dataDir), close() {} };
  const { bucket, prefix } = parseArtifactsUrl(setting);
  const env = config.env;
  const endpoint = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)?.trim() || undefined;
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const store = await openS3ArtifactStore({
    bucket,
    prefix,
    endpoint,
    region: env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1',
    credentials:
      accessKeyId && secretAccessKey
        ? {
            accessKeyId,
            secretAccessKey,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
  });
  return { kind: 's3', put: store.put, get: store.get, has: store.has, close: store.close };
}

/** `s3://bucket/some/prefix` → bucket and prefix; anything else is refused with the form expected. */
export function parseArtifactsUrl(setting: string): { bucket: string; prefix: string } {
  let url: URL;
  try {
    url = new URL(setting);
  } catch {
    throw new Error(
      `FLYWHEEL_ARTIFACTS is not a URL (got ${JSON.stringify(setting)}); expected s3://bucket/prefix`,
    );
  }
  if (url.protocol !== 's3:' || !url.hostname) {
    throw new Error(
      `FLYWHEEL_ARTIFACTS must be an s3://bucket/prefix URL (got ${JSON.stringify(setting)}); leave it unset for files in the data folder`,
    );
  }
  return { bucket: url.hostname, prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '') };
}
