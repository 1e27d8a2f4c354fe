import {
  createFaultInterceptor,
  createGrpcServer,
  describeFault,
  exitOnSignals,
  isFaultActive,
} from '@protomesh/grpc-server';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { createLogger, runMain } from '@protomesh/runtime';
import { readTelemetryConfig, withTraceContext } from '@protomesh/telemetry';
import { readServerConfig } from './config.js';
import { greeterService } from './greeter-service.js';
import { startServerTelemetry } from './telemetry.js';

runMain(async () => {
  const config = readServerConfig(process.env);
  const telemetryConfig = readTelemetryConfig(process.env, { PORT: config.port });
  const logger = withTraceContext(createLogger('greeter-server', config.logLevel));
  const faultActive = isFaultActive(config.fault);
  if (faultActive) {
    logger.warn({ fault: config.fault }, `FAULT INJECTION ACTIVE: ${describeFault(config.fault)}`);
  }
  const telemetry = await startServerTelemetry(config, telemetryConfig, logger);
  const server = createGrpcServer({
    host: config.host,
    port: config.port,
    logger,
    instance: config.instance,
    version: config.version,
    maxTimeoutMs: config.maxDeadlineMs,
    unaryFastPath: config.unaryFastPath,
    outerInterceptors: [telemetry.interceptor],
    interceptors: faultActive ? [createFaultInterceptor(config.fault)] : [],
    routes: (router) => router.service(GreeterService, greeterService),
  });
  const address = await server.listen();
  logger.info(
    { address: `${address.address}:${address.port}`, instance: config.instance, version: config.version },
    'greeter server listening',
  );
  exitOnSignals(server, config.drainTimeoutMs, logger, () => telemetry.shutdown());
});
