import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../workers/free-port.ts';

export interface ThrowawayPostgres {
  /** A database created for the caller, empty. */
  url: string;
  /** Another empty database on the same server, for a test that needs one of its own. */
  createDatabase(): Promise<string>;
  /** Drops what was created; for a cluster started here, stops it and removes its files. */
  stop(): Promise<void>;
  /**
   * A store outage on purpose: stops the server (fast shutdown: sessions are cut) and keeps its files;
   * `resume` starts it again on the same port and data. Only for a cluster started here: a server given
   * by FLYWHEEL_TEST_DATABASE_URL is not ours to stop.
   */
  interrupt(): Promise<void>;
  resume(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /**
   * Server settings for a cluster started here. Defaults trade durability for speed (tests never
   * survive a crash anyway); a benchmark passes its own.
   */
  settings?: Record<string, string>;
}

const TEST_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
const READY_TIMEOUT_MS = 30_000;

/**
 * PostgreSQL for tests and benchmarks. With FLYWHEEL_TEST_DATABASE_URL set, fresh databases on that
 * server; otherwise a private cluster (initdb as the `postgres` system user when running as root) on
 * a free port of 127.0.0.1, removed by stop(). Never skips: without a server it fails and says how
 * to get one.
 */
export async function startThrowawayPostgres(
  options: ThrowawayPostgresOptions = {},
): Promise<ThrowawayPostgres> {
  const given = process.env.FLYWHEEL_TEST_DATABASE_URL;
  if (given) {
    const notOurs = async () => {
      throw new Error(
        'the PostgreSQL of FLYWHEEL_TEST_DATABASE_URL is not started here; it cannot be stopped',
      );
    };
    return databasesOn(given, async () => {}, { interrupt: notOurs, resume: notOurs });
  }
  const cluster = await startCluster({ ...TEST_SETTINGS, ...options.settings });
  try {
    return await databasesOn(cluster.adminUrl, cluster.stop, cluster);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function databasesOn(
  adminUrl: string,
  stopServer: () => Promise<void>,
  outage: Pick<ThrowawayPostgres, 'interrupt' | 'resume'>,
): Promise<ThrowawayPostgres> {
  const created: string[] = [];
  const createDatabase = async () => {
    const name = `flywheel_test_${process.pid}_${Date.now().toString(36)}_${created.length}`;
    await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const url = await createDatabase();
  return {
    url,
    createDatabase,
    interrupt: outage.interrupt,
    resume: outage.resume,
    async stop() {
      try {
        await withAdmin(adminUrl, async (admin) => {
          for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      } finally {
        await stopServer();
      }
    },
  };
}

async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

interface Cluster {
  adminUrl: string;
  stop(): Promise<void>;
  interrupt(): Promise<void>;
  resume(): Promise<void>;
}

async function startCluster(settings: Record<string, string>): Promise<Cluster> {
  const bin = serverBinaries();
  const owner = clusterOwner();
  const dir = mkdtempSync(join(tmpdir(), 'flywheel-pg-'));
  const dataDir = join(dir, 'data');
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    execFileSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...owner, cwd: dir, stdio: 'pipe' },
    );
    const port = await freePort();
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    let log = '';
    const launch = () => {
      const child = spawn(join(bin, 'postgres'), args, {
        ...owner,
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
      });
      return child;
    };
    let server: ChildProcess | null = launch();
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const stop = async () => {
      if (server) await stopServer(server);
      server = null;
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitUntilAccepting(adminUrl, server, () => log);
    } catch (error) {
      await stop();
      throw error;
    }
    const interrupt = async () => {
      if (!server) throw new Error('throwaway PostgreSQL is already stopped');
      await stopServer(server);
      server = null;
    };
    const resume = async () => {
      if (server) throw new Error('throwaway PostgreSQL is already running');
      server = launch();
      await waitUntilAccepting(adminUrl, server, () => log);
    };
    return { adminUrl, stop, interrupt, resume };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The newest installed server's bin directory (Debian layout), or one on PATH. */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH. ' +
      'Install them with `apt-get install -y postgresql`, or set FLYWHEEL_TEST_DATABASE_URL to a server ' +
      'where the tests may create databases.',
  );
}

/** initdb refuses to run as root: a root test run hands the cluster to the `postgres` system user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'running as root, and there is no `postgres` system user to own a throwaway cluster: ' +
        'install PostgreSQL with `apt-get install -y postgresql` (which creates it), or run as a non-root user',
    );
  }
}

async function waitUntilAccepting(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`throwaway PostgreSQL exited before accepting connections:\n${log()}`);
    }
    const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await probe.connect();
      await probe.end();
      return;
    } catch (error) {
      await probe.end().catch(() => {});
      if (Date.now() > deadline) {
        throw new Error(
          `throwaway PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms:\n${log()}`,
          {
            cause: error,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
