import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import { describeArtifactStoreContract } from './artifact-store-contract.ts';

describeArtifactStoreContract('file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-artifacts-'));
  return {
    artifacts: openFileArtifactStore(dataDir),
    async tamper(sha256, bytes) {
      writeFileSync(join(dataDir, 'artifacts', sha256.slice(0, 2), sha256), bytes);
    },
    async close() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
