import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileArtifactStore } from './file-artifact-store.ts';

// What every artifact store does is in test/artifact-store-contract.ts; here, what only files do.
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-artifacts-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const model = new TextEncoder().encode(JSON.stringify({ weights: [0.25, -1.5], labels: ['ham', 'spam'] }));
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('file artifact store', () => {
  it('keeps an artifact at <dataDir>/artifacts/<first two hex digits>/<sha256>', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const sha = await artifacts.put(model);
    expect(sha).toBe(sha256Of(model));
    expect(readFileSync(join(dataDir, 'artifacts', sha.slice(0, 2), sha))).toEqual(Buffer.from(model));
  });

  it('leaves no temporary files behind when the same bytes are put at once', async () => {
    const artifacts = openFileArtifactStore(dataDir);
    const shas = await Promise.all([
      artifacts.put(model),
      artifacts.put(model),
      artifacts.put(Buffer.from(model)),
    ]);
    expect(readdirSync(join(dataDir, 'artifacts', shas[0]!.slice(0, 2)))).toEqual([shas[0]]);
  });
});
