import type { Interceptor } from '@connectrpc/connect';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import type { RpcSide } from '@protomesh/grpc-core';
import type { Logger } from '@protomesh/runtime';
import { createClientTelemetryInterceptor } from './client-interceptor.js';
import { createMetricsRegistry, type MetricsServer, startMetricsServer } from './metrics-server.js';
import { RpcMetrics } from './rpc-metrics.js';
import { createServerTelemetryInterceptor } from './server-interceptor.js';
import type { TelemetryConfig } from './telemetry-config.js';
import { type ServiceIdentity, startTraceExport, type TraceExport } from './trace-export.js';

export interface TelemetryOptions {
  /** Which side of the calls this process observes. */
  side: RpcSide;
  service: ServiceIdentity;
  /** From readTelemetryConfig: the metrics port and whether spans are exported. */
  config: TelemetryConfig;
  /** Interface of the metrics server. Default `0.0.0.0`. */
  metricsHost?: string;
  /** Receives the start-up lines: where the metrics are, where spans go. */
  logger: Logger;
  /**
   * How long shutdown() waits for the last spans, so that an unreachable
   * collector cannot hold the process's exit. Default 5 s.
   */
  shutdownLimitMs?: number;
}

export interface Telemetry {
  /** Server side: the outermost server interceptor. Client side: the first client interceptor. */
  readonly interceptor: Interceptor;
  /** Undefined when the metrics port could not be bound. */
  readonly metricsServer?: MetricsServer;
  readonly traceExport?: TraceExport;
  /** Closes the metrics server and exports the spans still queued, within shutdownLimitMs. Never throws. */
  shutdown(): Promise<void>;
}

/**
 * Everything an app wires: the metrics server, the interceptor, and trace
 * export when configured. A metrics port that cannot be bound is logged as an
 * error but does not stop the app: serving calls matters more than counting
 * them, and Prometheus reports the missing target.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { logger, shutdownLimitMs = 5_000 } = options;
  const registry = createMetricsRegistry();
  const metrics = new RpcMetrics(options.side, { registry });
  const { metricsPort, traceExport: traceExportConfig } = options.config;
  const traceExport = traceExportConfig && startTraceExport(traceExportConfig, options.service);
  if (traceExport) {
    const { endpoint, endpointSetting, sampler } = traceExport.config;
    logger.info({ endpoint, endpointSetting, sampler }, `exporting traces to ${endpoint}`);
    // The SDK reports failed exports only through this handler, silent by default.
    setGlobalErrorHandler((err) => logger.warn({ err }, 'trace export failed'));
  }
  const tracer = traceExport?.tracer;
  const interceptor =
    options.side === 'server'
      ? createServerTelemetryInterceptor({ metrics, tracer })
      : createClientTelemetryInterceptor({ metrics, tracer });
  const metricsServer = await startMetricsServer({
    registry,
    host: options.metricsHost,
    port: metricsPort,
  }).then(
    (server) => {
      logger.info({ url: server.url }, `metrics on ${server.url}`);
      return server;
    },
    (err: unknown) => {
      logger.error({ err, port: metricsPort }, 'metrics server not started');
      return undefined;
    },
  );
  return {
    interceptor,
    metricsServer,
    traceExport,
    async shutdown() {
      const done = Promise.all([metricsServer?.close(), traceExport?.shutdown()]).then(
        () => true,
        (err: unknown) => {
          logger.warn({ err }, 'telemetry shutdown failed');
          return true;
        },
      );
      if (!(await withinLimit(done, shutdownLimitMs))) {
        logger.warn({ limitMs: shutdownLimitMs }, 'gave up exporting the last spans');
      }
    },
  };
}

/** `done`'s result, or false once `limitMs` passed; the timer never holds the process. */
function withinLimit(done: Promise<boolean>, limitMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs).unref();
  });
  return Promise.race([done, limit]).finally(() => clearTimeout(timer));
}
