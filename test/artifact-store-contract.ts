import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArtifactCorruptedError,
  ArtifactNotFoundError,
  type ArtifactStore,
} from '../adapters/artifacts/artifact-store.ts';

export interface OpenedArtifactStore {
  artifacts: ArtifactStore;
  /** Overwrites the stored bytes under an address behind the store's back, as rot or tampering would. */
  tamper(sha256: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const model = new TextEncoder().encode(JSON.stringify({ weights: [0.25, -1.5], labels: ['ham', 'spam'] }));
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The one behaviour every artifact store has; `openFresh` returns an empty store for each test. */
export function describeArtifactStoreContract(
  name: string,
  openFresh: () => Promise<OpenedArtifactStore>,
): void {
  describe(`${name} artifact store contract`, () => {
    let opened: OpenedArtifactStore;
    beforeEach(async () => {
      opened = await openFresh();
    });
    afterEach(async () => {
      await opened.close();
    });

    it('stores bytes under their SHA-256 and gives them back', async () => {
      const { artifacts } = opened;
      const sha = await artifacts.put(model);
      expect(sha).toBe(sha256Of(model));
      expect(await artifacts.get(sha)).toEqual(Buffer.from(model));
      expect(await artifacts.has(sha)).toBe(true);
    });

    it('stores the same bytes once under one address', async () => {
      const { artifacts } = opened;
      const shas = await Promise.all([
        artifacts.put(model),
        artifacts.put(model),
        artifacts.put(Buffer.from(model)),
      ]);
      expect(new Set(shas).size).toBe(1);
      expect(await artifacts.get(shas[0]!)).toEqual(Buffer.from(model));
    });

    it('stores an empty artifact and a large one', async () => {
      const { artifacts } = opened;
      expect((await artifacts.get(await artifacts.put(new Uint8Array()))).length).toBe(0);
      const large = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
      expect((await artifacts.get(await artifacts.put(large))).equals(Buffer.from(large))).toBe(true);
    });

    it('says clearly when an artifact is missing', async () => {
      const { artifacts } = opened;
      const sha = sha256Of(model);
      expect(await artifacts.has(sha)).toBe(false);
      await expect(artifacts.get(sha)).rejects.toThrow(ArtifactNotFoundError);
      await expect(artifacts.get(sha)).rejects.toThrow(`artifact ${sha} not found`);
    });

    it('refuses to hand out bytes that no longer match their address', async () => {
      const { artifacts } = opened;
      const sha = await artifacts.put(model);
      await opened.tamper(sha, Buffer.from('tampered'));
      await expect(artifacts.get(sha)).rejects.toThrow(ArtifactCorruptedError);
      await expect(artifacts.get(sha)).rejects.toThrow(`hashes to ${sha256Of(Buffer.from('tampered'))}`);
    });

    it('repairs a corrupted artifact when the right bytes are put again', async () => {
      const { artifacts } = opened;
      const sha = await artifacts.put(model);
      await opened.tamper(sha, Buffer.from('tampered'));
      expect(await artifacts.put(model)).toBe(sha);
      expect(await artifacts.get(sha)).toEqual(Buffer.from(model));
    });

    it('refuses anything but a SHA-256 as an address, so no key or path can escape its place', async () => {
      const { artifacts } = opened;
      for (const address of [
        '../../etc/passwd',
        'ab',
        sha256Of(model).toUpperCase(),
        `${sha256Of(model)}/x`,
      ]) {
        await expect(artifacts.get(address)).rejects.toThrow(/not an artifact address/);
        await expect(artifacts.has(address)).rejects.toThrow(/not an artifact address/);
      }
    });
  });
}
