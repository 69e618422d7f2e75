import { resolve } from 'node:path';

/** Where Flywheel keeps its embedded state: FLYWHEEL_DATA_DIR, default ./.flywheel (git-ignored). */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FLYWHEEL_DATA_DIR ?? '.flywheel');
}
