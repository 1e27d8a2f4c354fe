import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { definedOnly } from '@protomesh/grpc-core';
import type { Logger } from '@protomesh/runtime';
import type { ConnectionPolicy } from './connection-policy.js';
import { DEFAULT_CONNECTION_POLICY, SERVICE_DEFAULTS } from './service-config.js';

export interface GrpcServerOptions {
  /** Interface to listen on. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Registers the application's services. Health and reflection are added for them. */
  routes: (router: ConnectRouter) => void;
  /**
   * Application interceptors, run inside the outcome mapping and call log,
   * for the application's services only (never health or reflection).
   * Default none.
   */
  interceptors?: Interceptor[];
  /**
   * Interceptors run outside the outcome mapping and call log, for every
   * service (health and reflection included): they see each call's final
   * status as the client receives it, and whatever they put in context
   * reaches the call log. Metrics and trace context go here. Default none.
   */
  outerInterceptors?: Interceptor[];
  logger: Logger;
  /** Reported in the `x-server-instance` header of every response. */
  instance: string;
  /** Reported in the `x-server-version` header of every response. */
  version: string;
  /** Longest deadline (grpc-timeout) a client may ask for; longer ones get INVALID_ARGUMENT. */
  maxTimeoutMs: number;
  /**
   * Largest accepted request message in bytes; larger ones get
   * RESOURCE_EXHAUSTED. Default 4 MiB, the receive cap of grpc-go and grpc-java
   * (Connect's own default is ~4 GiB).
   */
  readMaxBytes?: number;
  /**
   * Concurrent streams a client may open on one connection (the HTTP/2
   * SETTINGS_MAX_CONCURRENT_STREAMS). Default 1000: a sidecar multiplexes all
   * callers of a pod onto few connections.
   */
  maxConcurrentStreams?: number;
  /**
   * Memory in MB one HTTP/2 session may buffer before new streams are refused.
   * Default 64; Node's 10 MB refuses hundreds of concurrent calls.
   */
  maxSessionMemoryMb?: number;
  /**
   * Serve unary gRPC calls (`application/grpc`, `application/grpc+proto`)
   * on a lean path of our own instead of connect-node's, with the same
   * services, interceptors and gRPC semantics; everything else still goes to
   * connect-node. Default true.
   */
  unaryFastPath?: boolean;
  /**
   * Timeouts and limits for connections and the peers on them (handshake,
   * request, keepalive, connection age). Default: those of SERVICE_DEFAULTS.
   */
  connectionPolicy?: ConnectionPolicy;
}

export type ResolvedGrpcServerOptions = Required<GrpcServerOptions>;

/** The one place the defaults of the optional settings are filled in. */
export function resolveGrpcServerOptions(options: GrpcServerOptions): ResolvedGrpcServerOptions {
  return {
    interceptors: [],
    outerInterceptors: [],
    readMaxBytes: 4 * 1024 * 1024,
    maxConcurrentStreams: 1000,
    maxSessionMemoryMb: 64,
    unaryFastPath: SERVICE_DEFAULTS.UNARY_FAST_PATH === 'on',
    connectionPolicy: DEFAULT_CONNECTION_POLICY,
    ...definedOnly(options),
  };
}
