/**
 * `flywheel gateway` as its own process over the campaign's data folder: its event loop shared with
 * nothing, so it sheds on event-loop delay as a deployed gateway does (the default bound, 100 ms), which
 * a gateway beside its load generator cannot. Its resident memory is read from /proc as it runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../workers/free-port.ts';

export interface GatewayProcess {
  address: string;
  pid: number;
  /** Resident set size now, and the kernel's high-water mark since the process began (bytes). */
  memory(): { rss: number; peak: number };
  /** CPU time the process has used so far, all its threads (ms). */
  cpuMs(): number;
  /** SIGTERM: the gateway stops listening, writes what capture holds, and exits. */
  stop(): Promise<number | null>;
}

const CLI = join(import.meta.dirname, '..', 'cli', 'bin.ts');

export async function startGatewayProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'gateway', '--port', String(port)], {
    env: { ...process.env, FLYWHEEL_DATA_DIR: dataDir, FLYWHEEL_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /gateway listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`flywheel gateway exited (${code}) before listening:\n${log}`)));
  });
  const pid = child.pid!;
  return {
    address,
    pid,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) =>
        Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
      return { rss: kib('VmRSS'), peak: kib('VmHWM') };
    },
    cpuMs() {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
