import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { openStore } from '../adapters/store/open-store.ts';
import type { TemporalTarget } from '../client/connection.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';
import { createConsole } from './create-console.ts';

export interface RunConsoleConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
  target: TemporalTarget;
  port: number;
  host: string;
  logger: Logger;
  temporalUiUrl: string | null;
  /** FLYWHEEL_CONSOLE_SECRET: the cookie-signing key (random per start when absent). */
  sessionSecret?: string | undefined;
  sessionMaxAgeMs?: number;
}

export interface RunningConsole {
  /** Base URL, e.g. http://127.0.0.1:8090 */
  address: string;
  close(): Promise<void>;
}

/** The console as a process runs it (`flywheel console`, `flywheel dev`): opens its deps and listens. */
export async function runConsole(config: RunConsoleConfig): Promise<RunningConsole> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  let flywheel: FlywheelClient | undefined;
  try {
    flywheel = await FlywheelClient.connect(config.target);
    const app = await createConsole({
      flywheel,
      store,
      artifacts: openFileArtifactStore(config.dataDir),
      logger: config.logger,
      temporalUiUrl: config.temporalUiUrl,
      sessionSecret: config.sessionSecret,
      ...(config.sessionMaxAgeMs ? { sessionMaxAgeMs: config.sessionMaxAgeMs } : {}),
    });
    await app.listen({ port: config.port, host: config.host });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : config.port;
    const client = flywheel;
    return {
      address: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      async close() {
        await app.close();
        await client.close();
        await store.close();
      },
    };
  } catch (error) {
    await flywheel?.close();
    await store.close();
    throw error;
  }
}
