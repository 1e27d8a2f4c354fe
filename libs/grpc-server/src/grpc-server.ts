import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { Health } from '@protomesh/proto/grpc/health/v1';
import * as reflectionV1 from '@protomesh/proto/grpc/reflection/v1';
import * as reflectionV1alpha from '@protomesh/proto/grpc/reflection/v1alpha';
import type { AddressInfo, Socket } from 'node:net';
import * as http2 from 'node:http2';
import { createHealthService, HealthRegistry } from './health.js';
import { createOutcomeInterceptor } from './outcome-interceptor.js';
import { grpcNodeAdapter } from './node-adapter.js';
import { createReflectionServices } from './reflection.js';
import { type GrpcServerOptions, resolveGrpcServerOptions } from './server-options.js';
import { unimplementedFallback } from './unimplemented.js';

/** Health and reflection: never subject to application interceptors such as faults. */
const INFRASTRUCTURE_SERVICES = new Set([
  Health.typeName,
  reflectionV1.ServerReflection.typeName,
  reflectionV1alpha.ServerReflection.typeName,
]);

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
  /** Ends a drain at once, destroying the connections still open. */
  force(): void;
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const opts = resolveGrpcServerOptions(options);
  const health = new HealthRegistry();
  let draining = false;

  const handler = grpcNodeAdapter({
    logger: opts.logger,
    grpc: true,
    grpcWeb: false,
    connect: false,
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
    routes(router: ConnectRouter) {
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
  });

  const server = http2.createServer(
    {
      maxSessionMemory: opts.maxSessionMemoryMb,
      settings: { maxConcurrentStreams: opts.maxConcurrentStreams },
    },
    (req, res) => {
      // Set here rather than in Connect so that every response carries them,
      // including those Connect never routes (unknown method, bad content-type).
      res.setHeader('x-server-instance', opts.instance);
      res.setHeader('x-server-version', opts.version);
      handler(req, res);
    },
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  const streams = new Set<http2.ServerHttp2Stream>();
  server.on('stream', (stream) => {
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
  });
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (draining) {
      session.close();
    }
  });

  let forceDrain: (() => void) | undefined;

  return {
    health,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
          server.off('error', reject);
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
          // finish (CANCELLED at the caller); destroying the session alone
          // resets with NO_ERROR, which connect-node clients do not notice.
          for (const stream of streams) {
            stream.close(http2.constants.NGHTTP2_CANCEL);
          }
          for (const session of sessions) {
            session.destroy();
          }
        };
        server.close(() => {
          clearTimeout(timer);
          resolve(outcome);
        });
        for (const session of sessions) {
          // Tells the client no new streams will be accepted on this
          // connection, then closes it once the streams in flight are done.
          session.close();
        }
      });
    },
    force() {
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
