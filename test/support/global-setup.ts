import type { TestProject } from 'vitest/node';
import { type DevServer, startDevServer } from '../../workers/dev-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

let server: DevServer | undefined;

/**
 * One real Temporal dev server (the pinned CLI binary) for the whole integration run, in memory,
 * headless, with Flywheel's search attributes registered.
 */
export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ headless: true });
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
