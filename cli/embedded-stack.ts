import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { createActivities, createTrainingActivities } from '../activities/index.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { type RunningCodecServer, runCodecServer } from '../adapters/temporal-codec/codec-server.ts';
import type { TemporalTarget } from '../client/connection.ts';
import { type RunningConsole, runConsole } from '../console/run-console.ts';
import { loadSheddingFromEnvironment } from '../gateway/load-shedding.ts';
import { type RunningGateway, runGateway } from '../gateway/run-gateway.ts';
import { configuredTemporalTarget } from '../workers/configured-target.ts';
import { connectCycleStarter } from '../workers/cycle-starter.ts';
import { type DevServer, startDevServer } from '../workers/dev-server.ts';
import { openDeps } from '../workers/open-deps.ts';
import { type RunningWorkers, startWorkers } from '../workers/run-workers.ts';
import { ensureSearchAttributes } from '../workers/search-attributes.ts';

export interface StackOptions {
  dataDir: string;
  /** FLYWHEEL_DATABASE_URL: PostgreSQL instead of the embedded store. */
  databaseUrl?: string | undefined;
  logger: Logger;
  temporalPort?: number;
  uiPort?: number;
  /** Inference gateway port; null runs no gateway. */
  gatewayPort?: number | null;
  gatewayHost?: string;
  /** Review console port; null (or absent) runs no console. */
  consolePort?: number | null;
  /** Codec server port, when payload encryption is configured. Default 8234. */
  codecPort?: number;
}

export interface RunningStack {
  temporal: { address: string; namespace: string; uiUrl: string | null; embedded: boolean };
  workers: RunningWorkers;
  /** Base URL of the inference gateway, or null when none runs. */
  gatewayUrl: string | null;
  /** Base URL of the review console, or null when none runs. */
  consoleUrl: string | null;
  /** Whether the gateway asks callers for API keys. */
  gatewayAuth: 'off' | 'keys' | null;
  /** The codec server, when payloads are encrypted: its endpoint and the bearer token it asks for. */
  codec: { endpoint: string; token: string; generatedToken: boolean } | null;
  stop(): Promise<void>;
}

/**
 * The whole loop on one machine: Temporal (the embedded dev server with its Web UI and a database in
 * the data folder, unless TEMPORAL_ADDRESS points at a cluster), Flywheel's search attributes, workers.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const configured = configuredTemporalTarget();
  let server: DevServer | undefined;
  let target: TemporalTarget = configured;
  const uiPort = options.uiPort ?? 8233;
  const codec = await startCodecServer(configured, options.codecPort ?? 8234, [
    `http://127.0.0.1:${uiPort}`,
    `http://localhost:${uiPort}`,
  ]);
  if (configured.embedded) {
    try {
      server = await startDevServer({
        dataDir: join(options.dataDir, 'temporal'),
        port: options.temporalPort ?? 7233,
        uiPort,
        ...(codec ? { uiCodecEndpoint: codec.server.endpoint } : {}),
        onLog: (line) => options.logger.debug({ component: 'temporal-server' }, line),
      });
    } catch (error) {
      await codec?.server.close();
      throw error;
    }
    target = { ...configured, address: server.address, connectionOptions: { address: server.address } };
  }
  try {
    const connection = await Connection.connect(target.connectionOptions as { address: string });
    try {
      const added = await ensureSearchAttributes(connection, target.namespace);
      if (added.length > 0) options.logger.info({ added }, 'registered search attributes');
    } finally {
      await connection.close();
    }
    const deps = await openDeps({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      logger: options.logger,
    });
    let workers: RunningWorkers;
    // The monitor's and schedules' activities start cycles through a typed client of their own.
    const starter = await connectCycleStarter(target);
    try {
      workers = await startWorkers({
        target,
        logger: options.logger,
        activities: createActivities({ ...deps, cycles: starter.cycles }),
        trainingActivities: createTrainingActivities(deps),
      });
    } catch (error) {
      await starter.close();
      await deps.close();
      throw error;
    }
    let gateway: RunningGateway | null = null;
    if (options.gatewayPort !== null) {
      try {
        gateway = await runGateway({
          dataDir: options.dataDir,
          databaseUrl: options.databaseUrl,
          port: options.gatewayPort ?? 8080,
          host: options.gatewayHost ?? '127.0.0.1',
          logger: options.logger.child({ component: 'gateway' }),
          warnWhenOpen: false,
          // Training and evaluation run on this process's event loop too: their steps are no overload.
          options: {
            loadShedding: loadSheddingFromEnvironment(process.env, { loopSharedWithWorkers: true }),
          },
        });
      } catch (error) {
        await workers.stop();
        await starter.close();
        await deps.close();
        throw error;
      }
    }
    let consoleServer: RunningConsole | null = null;
    if (options.consolePort !== null && options.consolePort !== undefined) {
      try {
        consoleServer = await runConsole({
          dataDir: options.dataDir,
          databaseUrl: options.databaseUrl,
          target,
          port: options.consolePort,
          host: options.gatewayHost ?? '127.0.0.1',
          logger: options.logger.child({ component: 'console' }),
          temporalUiUrl: server?.uiUrl ?? process.env.FLYWHEEL_TEMPORAL_UI_URL ?? null,
          sessionSecret: process.env.FLYWHEEL_CONSOLE_SECRET,
        });
      } catch (error) {
        await gateway?.close();
        await workers.stop();
        await starter.close();
        await deps.close();
        throw error;
      }
    }
    return {
      temporal: {
        address: target.address,
        namespace: target.namespace,
        uiUrl: server?.uiUrl ?? null,
        embedded: configured.embedded,
      },
      workers,
      gatewayUrl: gateway?.address ?? null,
      consoleUrl: consoleServer?.address ?? null,
      gatewayAuth: gateway?.auth ?? null,
      codec: codec
        ? { endpoint: codec.server.endpoint, token: codec.token, generatedToken: codec.generatedToken }
        : null,
      async stop() {
        await consoleServer?.close();
        await gateway?.close();
        await workers.stop();
        await starter.close();
        await deps.close();
        await server?.stop();
        await codec?.server.close();
      },
    };
  } catch (error) {
    await server?.stop();
    await codec?.server.close();
    throw error;
  }
}

/**
 * With payload encryption on, the Temporal UI shows only ciphertext unless a codec server decrypts for
 * it. It runs apart from the gateway: the gateway faces the model's callers, the codec server opens every
 * payload of the namespace and belongs on the operators' side, with its own token (FLYWHEEL_CODEC_TOKEN,
 * or one made up for this run and printed). FLYWHEEL_CODEC_ORIGINS adds browser origins (a cluster's UI).
 */
async function startCodecServer(
  target: TemporalTarget,
  port: number,
  uiOrigins: string[],
): Promise<{ server: RunningCodecServer; token: string; generatedToken: boolean } | null> {
  const payloadCodec = target.dataConverter?.payloadCodecs?.[0];
  if (!payloadCodec) return null;
  const configuredToken = process.env.FLYWHEEL_CODEC_TOKEN?.trim();
  const token = configuredToken || randomBytes(24).toString('base64url');
  const extraOrigins = (process.env.FLYWHEEL_CODEC_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  const server = await runCodecServer({
    codec: payloadCodec,
    token,
    allowedOrigins: [...uiOrigins, ...extraOrigins],
    port,
    host: '127.0.0.1',
  });
  return { server, token, generatedToken: !configuredToken };
}
