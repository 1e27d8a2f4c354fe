import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { readServiceConfig, startService } from '@protomesh/grpc-server';
import { runMain } from '@protomesh/runtime';
import { readTelemetryConfig } from '@protomesh/telemetry';
import { version } from '../package.json';
import { conformanceService } from './conformance-service.js';
import { ConformanceService } from './gen/connectrpc/conformance/v1/service_pb.js';
import {
  ServerCompatRequestSchema,
  ServerCompatResponseSchema,
} from './gen/connectrpc/conformance/v1/server_compat_pb.js';
import { checkServerCompatRequest } from './server-compat.js';
import { readSizeDelimited, sizeDelimited } from './size-delimited.js';

/** Where the runner reaches the server, and how long it waits after its SIGTERM. */
const CONFORMANCE_DEFAULTS = { HOST: '127.0.0.1', PORT: '0', DRAIN_TIMEOUT: '2s', METRICS_PORT: '0' } as const;

/**
 * The server under test of `connectconformance --mode server`: reads one
 * ServerCompatRequest from stdin, starts the service exactly as the product
 * server does (startService: limits, health, reflection, outcome mapping and
 * call log, telemetry outermost, the app-mode fault, UNARY_FAST_PATH), with the
 * receive limit the runner asks for, writes a ServerCompatResponse with the
 * address to stdout and serves until SIGTERM. Logs go to stderr: stdout is the
 * runner's.
 */
runMain(async () => {
  const request = fromBinary(ServerCompatRequestSchema, await readSizeDelimited(process.stdin));
  checkServerCompatRequest(request);
  const config = readServiceConfig(process.env, version, CONFORMANCE_DEFAULTS);
  const { address } = await startService({
    name: 'conformance-server',
    description: 'conformance server',
    config,
    telemetry: readTelemetryConfig({ METRICS_PORT: CONFORMANCE_DEFAULTS.METRICS_PORT, ...process.env }),
    routes: (router) => router.service(ConformanceService, conformanceService),
    logDestination: 2,
    // 0: the runner asks for no limit, so the server keeps its own.
    readMaxBytes: request.messageReceiveLimit > 0 ? request.messageReceiveLimit : undefined,
  });
  const response = create(ServerCompatResponseSchema, { host: address.address, port: address.port });
  process.stdout.write(sizeDelimited(toBinary(ServerCompatResponseSchema, response)));
});
