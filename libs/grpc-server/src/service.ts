import type { ConnectRouter } from '@connectrpc/connect';
import { createLogger, type Logger } from '@protomesh/runtime';
import { startTelemetry, type TelemetryConfig, withTraceContext } from '@protomesh/telemetry';
import type { AddressInfo } from 'node:net';
import { createFaultInterceptor, describeFault, isFaultActive } from './fault.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import type { ServiceConfig } from './service-config.js';
import { exitOnSignals } from './shutdown.js';

export interface ServiceOptions {
  /** The service's name in logs, metrics and spans, e.g. `greeter-server`. */
  name: string;
  /** Names the start-up line: `<description> listening`. */
  description: string;
  config: ServiceConfig;
  telemetry: TelemetryConfig;
  /** Registers the application's services. */
  routes: (router: ConnectRouter) => void;
  /** Where the JSON logs go: 1 (stdout, default) or 2 (stderr, for a program whose stdout is a protocol). */
  logDestination?: 1 | 2;
  /** Largest accepted request message; default the server's (4 MiB). */
  readMaxBytes?: number;
}

export interface RunningService {
  readonly server: GrpcServer;
  readonly address: AddressInfo;
  readonly logger: Logger;
}

/**
 * A gRPC service as every program of ours runs one: JSON logs carrying the
 * call's trace, metrics and spans around every call (outermost), the app-mode
 * fault when the config asks for it, the server's limits, health, reflection
 * and drain on SIGTERM. Resolves once it listens.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const logger = withTraceContext(createLogger(options.name, config.logLevel, options.logDestination));
  const faultActive = isFaultActive(config.fault);
  if (faultActive) {
    logger.warn({ fault: config.fault }, `FAULT INJECTION ACTIVE: ${describeFault(config.fault)}`);
  }
  const telemetry = await startTelemetry({
    side: 'server',
    service: { name: options.name, version: config.version, instance: config.instance },
    config: options.telemetry,
    metricsHost: config.host,
    logger,
  });
  const server = createGrpcServer({
    host: config.host,
    port: config.port,
    logger,
    instance: config.instance,
    version: config.version,
    maxTimeoutMs: config.maxDeadlineMs,
    readMaxBytes: options.readMaxBytes,
    unaryFastPath: config.unaryFastPath,
    connectionPolicy: config.connectionPolicy,
    outerInterceptors: [telemetry.interceptor],
    interceptors: faultActive ? [createFaultInterceptor(config.fault)] : [],
    routes: options.routes,
  });
  const address = await server.listen();
  logger.info(
    {
      address: `${address.address}:${address.port}`,
      instance: config.instance,
      version: config.version,
      unaryFastPath: config.unaryFastPath,
    },
    `${options.description} listening`,
  );
  exitOnSignals(server, config, logger, () => telemetry.shutdown());
  return { server, address, logger };
}
