import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  createFaultInterceptor,
  createGrpcServer,
  describeFault,
  exitOnSignals,
  isFaultActive,
} from '@protomesh/grpc-server';
import { createLogger, runMain } from '@protomesh/runtime';
import { hostname } from 'node:os';
import { readTelemetryConfig, startTelemetry, withTraceContext } from '@protomesh/telemetry';
import { version } from '../package.json';
import { readConformanceConfig } from './config.js';
import { conformanceService } from './conformance-service.js';
import { checkServerCompatRequest } from './server-compat.js';
import { ConformanceService } from './gen/connectrpc/conformance/v1/service_pb.js';
import {
  ServerCompatRequestSchema,
  ServerCompatResponseSchema,
} from './gen/connectrpc/conformance/v1/server_compat_pb.js';
import { readSizeDelimited, sizeDelimited } from './size-delimited.js';

/**
 * The server under test of `connectconformance --mode server`: reads one
 * ServerCompatRequest from stdin, starts a gRPC server on 127.0.0.1 with a
 * free port, built and wired exactly as the product server (apps/server) is —
 * createGrpcServer with its limits, health, reflection, call log and error
 * mapping, the telemetry interceptor outermost, fault injection when FAULT_*
 * asks for it — then writes a ServerCompatResponse with the address to stdout
 * and serves until SIGTERM. Logs go to stderr: stdout is the runner's.
 */
runMain(async () => {
  const request = fromBinary(ServerCompatRequestSchema, await readSizeDelimited(process.stdin));
  const config = readConformanceConfig(process.env);
  // Metrics on a free port unless METRICS_PORT says otherwise: the runner
  // starts several servers side by side.
  const telemetryConfig = readTelemetryConfig({ METRICS_PORT: '0', ...process.env });
  const logger = withTraceContext(createLogger('conformance-server', config.logLevel, 2));
  checkServerCompatRequest(request);
  const faultActive = isFaultActive(config.fault);
  if (faultActive) {
    logger.warn({ fault: config.fault }, `FAULT INJECTION ACTIVE: ${describeFault(config.fault)}`);
  }
  const telemetry = await startTelemetry({
    side: 'server',
    service: { name: 'conformance-server', version, instance: hostname() },
    config: telemetryConfig,
    metricsHost: '127.0.0.1',
    logger,
  });
  const server = createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    version,
    // 0 means no limit was asked for: keep the server's own default.
    readMaxBytes: request.messageReceiveLimit > 0 ? request.messageReceiveLimit : undefined,
    unaryFastPath: config.unaryFastPath,
    outerInterceptors: [telemetry.interceptor],
    interceptors: faultActive ? [createFaultInterceptor(config.fault)] : [],
    routes: (router) => router.service(ConformanceService, conformanceService),
  });
  const address = await server.listen();
  logger.info(
    {
      address: `${address.address}:${address.port}`,
      unaryFastPath: config.unaryFastPath,
      messageReceiveLimit: request.messageReceiveLimit,
    },
    'conformance server listening',
  );
  const response = create(ServerCompatResponseSchema, { host: address.address, port: address.port });
  process.stdout.write(sizeDelimited(toBinary(ServerCompatResponseSchema, response)));
  exitOnSignals(server, config.drainTimeoutMs, logger, () => telemetry.shutdown());
});
