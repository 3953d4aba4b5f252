import { createServer, type Server } from 'node:http';
import { METRICS_CONTENT_TYPE, registry } from '../observability/metrics.ts';
import { metricsTokenMatches } from '../observability/metrics-token.ts';

/** Where the worker's `GET /metrics` listens, and what it serves. */
export interface WorkerMetricsOptions {
  host: string;
  port: number;
  /** The Temporal SDK's own Prometheus endpoint on loopback, merged into the answer. */
  sdkMetricsUrl: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/**
 * The worker's `GET /metrics`: this process's counters (prom-client) followed by the
 * Temporal SDK's runtime metrics (workflow task latency, slots, polls…), which the SDK
 * serves itself on a loopback port that only this server reads. One port per worker,
 * one scrape target, one `up` series per worker for the "worker down" alert.
 */
export async function startWorkerMetricsServer(options: WorkerMetricsOptions): Promise<Server> {
  const server = createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /metrics is served here' } }));
        return;
      }
      if (options.token !== undefined && !metricsTokenMatches(request.headers.authorization, options.token)) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ error: { code: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN>' } }),
          );
        return;
      }
      const [own, sdk] = await Promise.all([registry.metrics(), sdkMetrics(options.sdkMetricsUrl)]);
      response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(`${own}\n${sdk}`);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`metrics unavailable: ${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The SDK's metrics text, or a comment saying why it is missing (our own metrics still count). */
async function sdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${(error as Error).message}\n`;
  }
}
