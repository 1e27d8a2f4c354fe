import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import { Health } from '@protomesh/proto/grpc/health/v1';
import * as reflectionV1 from '@protomesh/proto/grpc/reflection/v1';
import * as reflectionV1alpha from '@protomesh/proto/grpc/reflection/v1alpha';
import type { AddressInfo, Socket } from 'node:net';
import * as http2 from 'node:http2';
import { createFastPathServer } from './fast-path/fast-path-server.js';
import { RouteTable } from './fast-path/route-table.js';
import { Connections } from './connection-policy.js';
import { createHealthService, HealthRegistry } from './health.js';
import { listenError } from './listen-error.js';
import { grpcNodeAdapter, type GrpcNodeAdapterOptions } from './node-adapter.js';
import { createOutcomeInterceptor } from './outcome-interceptor.js';
import { createReflectionServices } from './reflection.js';
import { type GrpcServerOptions, resolveGrpcServerOptions } from './server-options.js';
import { unimplementedFallback } from './unimplemented.js';

/** Health and reflection: never subject to application interceptors such as faults. */
const INFRASTRUCTURE_SERVICES = new Set([
  Health.typeName,
  reflectionV1.ServerReflection.typeName,
  reflectionV1alpha.ServerReflection.typeName,
]);

/** Request compressions accepted, on both paths; named in `grpc-accept-encoding` on every response. */
const ACCEPT_COMPRESSION = [compressionGzip, compressionBrotli];

export type DrainOutcome = 'drained' | 'forced';

export interface GrpcServer {
  readonly health: HealthRegistry;
  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<AddressInfo>;
  /**
   * Graceful shutdown: health goes NOT_SERVING, the listener closes, every
   * connection gets a GOAWAY, new calls are refused with UNAVAILABLE, and
   * calls in flight run to completion. Resolves 'drained' when the last
   * connection has closed, or 'forced' when `timeoutMs` passed or `force()` was
   * called first and the remaining connections were destroyed.
   */
  drain(timeoutMs: number): Promise<DrainOutcome>;
  /** Ends a drain at once, destroying the connections still open; before a drain, makes it end so. */
  force(): void;
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const opts = resolveGrpcServerOptions(options);
  const health = new HealthRegistry();
  let draining = false;

  const adapterOptions: GrpcNodeAdapterOptions = {
    logger: opts.logger,
    grpc: true,
    grpcWeb: false,
    connect: false,
    acceptCompression: ACCEPT_COMPRESSION,
    readMaxBytes: opts.readMaxBytes,
    maxTimeoutMs: opts.maxTimeoutMs,
    interceptors: [
      ...opts.outerInterceptors,
      createOutcomeInterceptor(opts.logger),
      forServicesExcept(INFRASTRUCTURE_SERVICES, opts.interceptors),
    ],
    requestGate() {
      if (draining) {
        throw new ConnectError('server is shutting down', Code.Unavailable);
      }
    },
    routes(connectRouter: ConnectRouter) {
      // The fast path learns the unary methods from the same registrations.
      const router = fastRoutes?.recording(connectRouter) ?? connectRouter;
      opts.routes(router);
      const appServices = [...new Set(router.handlers.map((handler) => handler.service))];
      appServices.forEach((service) => health.register(service.typeName));
      const reflection = createReflectionServices([
        ...appServices,
        Health,
        reflectionV1.ServerReflection,
        reflectionV1alpha.ServerReflection,
      ]);
      router.service(Health, createHealthService(health));
      router.service(reflectionV1.ServerReflection, reflection.v1);
      router.service(reflectionV1alpha.ServerReflection, reflection.v1alpha);
    },
    fallback: unimplementedFallback,
  };
  const fastRoutes = opts.unaryFastPath ? new RouteTable(adapterOptions) : undefined;
  const handler = grpcNodeAdapter(adapterOptions);

  // Set on every response, including those Connect never routes (unknown
  // method, bad content-type), on both paths.
  const serverHeaders = {
    'x-server-instance': opts.instance,
    'x-server-version': opts.version,
    'grpc-accept-encoding': ACCEPT_COMPRESSION.map((compression) => compression.name).join(','),
  };
  const http2Options: http2.ServerOptions = {
    maxSessionMemory: opts.maxSessionMemoryMb,
    settings: { maxConcurrentStreams: opts.maxConcurrentStreams },
  };
  const slowPath = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    for (const [name, value] of Object.entries(serverHeaders)) {
      res.setHeader(name, value);
    }
    handler(req, res);
  };
  const server = fastRoutes
    ? createFastPathServer(http2Options, { routes: fastRoutes, serverHeaders }, slowPath)
    : http2.createServer(http2Options, slowPath);
  const connections = new Connections(server, opts.connectionPolicy);
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));

  let forceDrain: (() => void) | undefined;
  let forceRequested = false;

  return {
    health,
    listen() {
      return new Promise((resolve, reject) => {
        const failed = (err: Error) => reject(listenError(err, opts.host, opts.port));
        server.once('error', failed);
        server.listen(opts.port, opts.host, () => {
          server.off('error', failed);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    drain(timeoutMs) {
      draining = true;
      health.shutdown();
      return new Promise<DrainOutcome>((resolve) => {
        let outcome: DrainOutcome = 'drained';
        const timer = setTimeout(() => forceDrain?.(), timeoutMs);
        forceDrain = () => {
          outcome = 'forced';
          // RST_STREAM CANCEL is how a gRPC server ends a call it cannot
          // finish: CANCELLED at the caller.
          connections.cutOffAll();
        };
        server.close(() => {
          clearTimeout(timer);
          connections.stop();
          resolve(outcome);
        });
        // GOAWAY: no new calls on these connections; each closes once its calls in flight are done.
        connections.closeAll();
        if (forceRequested) {
          forceDrain();
        }
      });
    },
    force() {
      forceRequested = true;
      forceDrain?.();
    },
  };
}

/**
 * Connect replaces, rather than extends, the router's interceptors with a
 * service's own, so application interceptors are scoped here instead: they
 * wrap every call except those to the excluded services.
 */
function forServicesExcept(excluded: ReadonlySet<string>, interceptors: Interceptor[]): Interceptor {
  return (next) => {
    const intercepted = interceptors.reduceRight((inner, interceptor) => interceptor(inner), next);
    return (req) => (excluded.has(req.service.typeName) ? next(req) : intercepted(req));
  };
}
