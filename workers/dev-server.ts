import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { FLYWHEEL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { freePort } from './free-port.ts';
import { resolveTemporalCli } from './temporal-cli.ts';

export interface DevServerOptions {
  /** Folder for the server's database; omit for an in-memory server (tests). */
  dataDir?: string;
  port?: number;
  uiPort?: number;
  /** No Web UI (tests). */
  headless?: boolean;
  /** The codec server the Web UI decodes encrypted payloads through. */
  uiCodecEndpoint?: string;
  namespace?: string;
  /** Called with each line the server prints on stderr (warnings and errors at the default level). */
  onLog?: (line: string) => void;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  /** http://host:port of the Web UI, or null when headless. */
  readonly uiUrl: string | null;
  stop(): Promise<void>;
}

const SEARCH_ATTRIBUTE_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/**
 * Runs the Temporal CLI's dev server (`temporal server start-dev`) as a child process, with
 * Flywheel's search attributes registered, and resolves once it answers.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = resolveTemporalCli();
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (options.headless) args.push('--headless');
  else args.push('--ui-ip', '127.0.0.1', '--ui-port', String(uiPort));
  if (options.uiCodecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--db-filename', join(options.dataDir, 'temporal.db'));
  }
  for (const key of FLYWHEEL_SEARCH_ATTRIBUTES) {
    args.push('--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_TYPE_NAMES[key.type]}`);
  }

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderrTail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      options.onLog?.(line);
    }
  });
  const address = `127.0.0.1:${port}`;
  await waitUntilServing(child, address, stderrTail);

  return {
    address,
    namespace,
    uiUrl: options.headless ? null : `http://127.0.0.1:${uiPort}`,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(child: ChildProcess, address: string, stderrTail: string[]): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `the Temporal dev server ${exited}: ${stderrTail.slice(-5).join(' | ') || 'no output'}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
