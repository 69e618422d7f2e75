import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArtifactCorruptedError,
  ArtifactNotFoundError,
  type ArtifactStore,
  assertSha256,
} from './artifact-store.ts';

/**
 * Artifacts as files under `<dataDir>/artifacts/<first two hex digits>/<sha256>`; the two-digit
 * fan-out keeps directories small. Writes go to a temporary file in the same directory, are flushed,
 * then renamed: a reader or a crash never sees half an artifact under its address.
 */
export function openFileArtifactStore(dataDir: string): ArtifactStore {
  const root = join(dataDir, 'artifacts');
  const pathOf = (sha256: string) => join(root, sha256.slice(0, 2), sha256);

  const readVerified = async (sha256: string): Promise<Buffer> => {
    const path = pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError(sha256, root);
      throw error;
    }
    const actual = sha256Of(bytes);
    if (actual !== sha256) throw new ArtifactCorruptedError(sha256, path, actual);
    return bytes;
  };

  return {
    async put(bytes) {
      const sha256 = sha256Of(bytes);
      // Present and intact: nothing to do. Missing or corrupted: (re)write it.
      if (
        await readVerified(sha256).then(
          () => true,
          () => false,
        )
      )
        return sha256;
      const dir = join(root, sha256.slice(0, 2));
      await mkdir(dir, { recursive: true });
      const temporary = join(dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        const file = await open(temporary, 'wx');
        try {
          await file.writeFile(bytes);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temporary, pathOf(sha256));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return sha256;
    },
    async get(sha256) {
      assertSha256(sha256);
      return readVerified(sha256);
    },
    async has(sha256) {
      assertSha256(sha256);
      return stat(pathOf(sha256)).then(
        (found) => found.isFile(),
        () => false,
      );
    },
  };
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
