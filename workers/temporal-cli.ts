import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Temporal CLI version scripts/bootstrap.sh builds or fetches. */
export const PINNED_TEMPORAL_CLI_VERSION = '1.5.1';

const projectRoot = new URL('..', import.meta.url).pathname;

/**
 * Where the `temporal` binary is: TEMPORAL_CLI_PATH, else the bootstrap's cache, else PATH.
 * Throws one readable error naming the ways to get one.
 */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.TEMPORAL_CLI_PATH,
    join(projectRoot, '.toolchain', 'temporal', PINNED_TEMPORAL_CLI_VERSION, 'temporal'),
    ...(env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')),
  ];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error(
    'no Temporal CLI found: run scripts/bootstrap.sh (builds it with Go or downloads it), ' +
      `or set TEMPORAL_CLI_PATH to a temporal binary >= ${PINNED_TEMPORAL_CLI_VERSION}`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
