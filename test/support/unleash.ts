import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../workers/free-port.ts';
import type { ThrowawayPostgres } from './postgres.ts';

export interface ThrowawayUnleash {
  /** http://127.0.0.1:<port> (the API is under /api) */
  url: string;
  /** An admin token (`*:*.…`): what rollout activities write with. */
  adminToken: string;
  /** A backend token for the production environment: what gateways read with. */
  backendToken: string;
  environment: string;
  /** The variables a Flywheel process needs to use this server. */
  env(): Record<string, string>;
  /** Stops the server process (its database stays): an outage. */
  stop(): Promise<void>;
  /** Starts it again on the same port and database after stop(). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;
const SERVER = new URL('../../node_modules/unleash-server/dist/server.js', import.meta.url).pathname;

/**
 * A real Unleash server (the npm package unleash-server, v8) as its own process on a free port of
 * 127.0.0.1, on a fresh database of the given PostgreSQL. Its init API tokens apply because the database
 * is empty; authentication is Unleash's own (no anonymous access).
 */
export async function startThrowawayUnleash(postgres: ThrowawayPostgres): Promise<ThrowawayUnleash> {
  const databaseUrl = await postgres.createDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const secret = randomBytes(12).toString('hex');
  const adminToken = `*:*.${secret}admin`;
  const environment = 'production';
  const backendToken = `default:${environment}.${secret}backend`;
  let server: ChildProcess | null = null;
  let log = '';
  const start = async () => {
    const child = spawn(process.execPath, [SERVER], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        DATABASE_SSL: 'false',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        INIT_ADMIN_API_TOKENS: adminToken,
        INIT_BACKEND_API_TOKENS: backendToken,
        LOG_LEVEL: 'warn',
        UNLEASH_VERSION_CHECK: 'false',
        CHECK_VERSION: 'false',
        SEND_TELEMETRY: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-6000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    server = child;
    await waitUntilReady(url, adminToken, child, () => log);
  };
  const stop = async () => {
    const child = server;
    server = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    adminToken,
    backendToken,
    environment,
    env: () => ({
      FLYWHEEL_FLAGS: 'unleash',
      FLYWHEEL_UNLEASH_URL: url,
      FLYWHEEL_UNLEASH_ADMIN_TOKEN: adminToken,
      FLYWHEEL_UNLEASH_BACKEND_TOKEN: backendToken,
      FLYWHEEL_UNLEASH_ENVIRONMENT: environment,
    }),
    stop,
    restart: start,
  };
}

/** Ready means migrated and the init tokens in place: an admin call answers. */
async function waitUntilReady(url: string, adminToken: string, server: ChildProcess, log: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`Unleash exited before it was ready:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/api/admin/projects`, {
        headers: { authorization: adminToken },
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`Unleash was not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
