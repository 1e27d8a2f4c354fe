import {
  createFaultInterceptor,
  createGrpcServer,
  describeFault,
  exitOnSignals,
  isFaultActive,
} from '@protomesh/grpc-server';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { createLogger, runMain } from '@protomesh/runtime';
import { readServerConfig } from './config.js';
import { greeterService } from './greeter-service.js';

runMain(async () => {
  const config = readServerConfig(process.env);
  const logger = createLogger('greeter-server', config.logLevel);
  const faultActive = isFaultActive(config.fault);
  if (faultActive) {
    logger.warn({ fault: config.fault }, `FAULT INJECTION ACTIVE: ${describeFault(config.fault)}`);
  }
  const server = createGrpcServer({
    host: config.host,
    port: config.port,
    logger,
    instance: config.instance,
    version: config.version,
    maxTimeoutMs: config.maxDeadlineMs,
    interceptors: faultActive ? [createFaultInterceptor(config.fault)] : [],
    routes: (router) => router.service(GreeterService, greeterService),
  });
  const address = await server.listen();
  logger.info(
    { address: `${address.address}:${address.port}`, instance: config.instance, version: config.version },
    'greeter server listening',
  );
  exitOnSignals(server, config.drainTimeoutMs, logger);
});
