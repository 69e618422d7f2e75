import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactCorruptedError, ArtifactNotFoundError } from './artifact-store.ts';
import { openFileArtifactStore } from './file-artifact-store.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-artifacts-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const model = new TextEncoder().encode(JSON.stringify({ weights: [0.25, -1.5], labels: ['ham', 'spam'] }));
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('file artifact store', () => {
  it('stores bytes under their SHA-256 and gives them back', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = await artifacts.put(model);
    expect(sha).toBe(sha256Of(model));
    expect(readFileSync(join(dataDir, 'artifacts', sha.slice(0, 2), sha))).toEqual(Buffer.from(model));
    expect(await artifacts.get(sha)).toEqual(Buffer.from(model));
    expect(await artifacts.has(sha)).toBe(true);
  });

  it('stores the same bytes once, and leaves no temporary files behind', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const shas = await Promise.all([
      artifacts.put(model),
      artifacts.put(model),
      artifacts.put(Buffer.from(model)),
    ]);
    expect(new Set(shas).size).toBe(1);
    expect(readdirSync(join(dataDir, 'artifacts', shas[0]!.slice(0, 2)))).toEqual([shas[0]]);
  });

  it('stores an empty artifact', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = await artifacts.put(new Uint8Array());
    expect((await artifacts.get(sha)).length).toBe(0);
  });

  it('says clearly when an artifact is missing', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = sha256Of(model);
    expect(await artifacts.has(sha)).toBe(false);
    await expect(artifacts.get(sha)).rejects.toThrow(ArtifactNotFoundError);
    await expect(artifacts.get(sha)).rejects.toThrow(`artifact ${sha} not found`);
  });

  it('refuses to hand out bytes that no longer match their address', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = await artifacts.put(model);
    const path = join(dataDir, 'artifacts', sha.slice(0, 2), sha);
    writeFileSync(path, 'tampered');
    await expect(artifacts.get(sha)).rejects.toThrow(ArtifactCorruptedError);
    await expect(artifacts.get(sha)).rejects.toThrow(`hashes to ${sha256Of(Buffer.from('tampered'))}`);
  });

  it('repairs a corrupted artifact when the right bytes are put again', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = await artifacts.put(model);
    writeFileSync(join(dataDir, 'artifacts', sha.slice(0, 2), sha), 'tampered');
    await artifacts.put(model);
    expect(await artifacts.get(sha)).toEqual(Buffer.from(model));
  });

  it('refuses anything but a SHA-256 as an address, so no path can escape the directory', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    for (const address of ['../../etc/passwd', 'ab', sha256Of(model).toUpperCase(), `${sha256Of(model)}/x`]) {
      await expect(artifacts.get(address)).rejects.toThrow(/not an artifact address/);
      await expect(artifacts.has(address)).rejects.toThrow(/not an artifact address/);
    }
  });
});
