import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../adapters/log/logger.ts';
import { PROMETHEUS_CONTENT_TYPE, processMetricsRegistry } from '../adapters/metrics/process-registry.ts';

export interface WorkerMetricsOptions {
  port: number;
  host: string;
  /**
   * Where the Temporal SDK's own Prometheus exporter answers (workflow and activity task counts and
   * latencies, polls, sticky cache), bound to loopback by `installTemporalRuntime`; its text is appended.
   */
  sdkMetricsUrl: string | null;
  logger: Logger;
}

export interface WorkerMetricsEndpoint {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The worker's `GET /metrics`: the Node process metrics (prom-client) and the Temporal SDK's metrics in
 * one scrape, so one target per worker is enough. When the SDK's exporter cannot be read the process
 * metrics are still served (and the failure logged): a scrape never fails for half its content.
 */
export async function startWorkerMetrics(options: WorkerMetricsOptions): Promise<WorkerMetricsEndpoint> {
  const registry = processMetricsRegistry();
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { code: 'route_not_found', message: 'only GET /metrics is served here' } }),
      );
      return;
    }
    exposition(registry, options).then(
      (text) => {
        response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
        response.end(text);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'worker metrics could not be rendered');
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('metrics unavailable\n');
      },
    );
  });
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function exposition(registry: Registry, options: WorkerMetricsOptions): Promise<string> {
  const own = await registry.metrics();
  if (options.sdkMetricsUrl === null) return own;
  try {
    const response = await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return `${own}${await response.text()}`;
  } catch (error) {
    options.logger.warn({ err: error, url: options.sdkMetricsUrl }, 'Temporal SDK metrics could not be read');
    return own;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
