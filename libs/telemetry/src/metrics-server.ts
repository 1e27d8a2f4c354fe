import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The default Prometheus port of OpenTelemetry's Prometheus exporter, so
 * scrape configs written for OpenTelemetry-instrumented apps work unchanged.
 */
export const DEFAULT_METRICS_PORT = 9464;
export const METRICS_PATH = '/metrics';

/** A registry of its own (never prom-client's global one), holding the Node process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** Interface to listen on. Default `0.0.0.0`, so Prometheus can scrape the pod. */
  host?: string;
  /** TCP port; 0 picks a free one. Never the gRPC port: Prometheus speaks HTTP/1.1. */
  port: number;
}

export interface MetricsServer {
  /** Where the metrics are, e.g. `http://0.0.0.0:9464/metrics`. */
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** Serves the registry in the Prometheus text format at GET /metrics; anything else is 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, host = '0.0.0.0', port } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) =>
        res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  // A scrape is one short request; idle keep-alive sockets must not hold close() up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${METRICS_PATH}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
