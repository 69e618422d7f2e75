import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openEmbeddedStore } from '../adapters/store/embedded/embedded-store.ts';
import { describeStoreContract } from './store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'flywheel-embedded-store-'));
let opened = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('embedded', async () => openEmbeddedStore(join(dir, `store-${++opened}.db`)));
