import { type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@protomesh/runtime';
import { hostname } from 'node:os';
import type { ConnectionPolicy } from './connection-policy.js';
import { type FaultSpec, readFaultSpec } from './fault.js';

/**
 * A gRPC service's settings and their defaults, as they would be written in
 * the environment. The one place the defaults are stated: the README's table
 * is checked against it. POD_NAME defaults to the host name and
 * SERVICE_VERSION to the version the program was built from.
 */
export const SERVICE_DEFAULTS = {
  PORT: '8080',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  DRAIN_TIMEOUT: '10s',
  MAX_DEADLINE: '5m',
  UNARY_FAST_PATH: 'on',
  DRAIN_DELAY: '5s',
  HANDSHAKE_TIMEOUT: '10s',
  REQUEST_TIMEOUT: '30s',
  KEEPALIVE_TIME: '1m',
  KEEPALIVE_TIMEOUT: '20s',
  MAX_CONNECTION_AGE: '30m',
  MAX_CONNECTION_AGE_GRACE: '1m',
} as const;

export interface ServiceConfig {
  /** The gRPC port. */
  readonly port: number;
  /** The listen address. */
  readonly host: string;
  readonly logLevel: LogLevel;
  /** How long the server keeps serving after SIGTERM, NOT_SERVING, while the mesh stops routing to it. */
  readonly drainDelayMs: number;
  /** How long calls in flight may then finish. */
  readonly drainTimeoutMs: number;
  /** Longer client deadlines are refused with INVALID_ARGUMENT. */
  readonly maxDeadlineMs: number;
  /** Reported in `x-server-instance`: the pod name (Kubernetes downward API). */
  readonly instance: string;
  /** Reported in `x-server-version`. */
  readonly version: string;
  /** Unary gRPC calls on the lean path; off serves every call through connect-node. */
  readonly unaryFastPath: boolean;
  /** The app-mode fault: off unless both halves of a fault are set. */
  readonly fault: FaultSpec;
  readonly connectionPolicy: ConnectionPolicy;
}

/**
 * Reads a service's settings. `version` is the version the program was built
 * from; `defaults` replaces some of SERVICE_DEFAULTS for a program that is
 * not the product server (the conformance server listens where its runner says).
 */
export function readServiceConfig(environment: Env, version: string, defaults: Env = {}): ServiceConfig {
  const env = new EnvReader(environment, {
    ...SERVICE_DEFAULTS,
    POD_NAME: hostname(),
    SERVICE_VERSION: version,
    ...defaults,
  });
  return {
    port: env.integer('PORT', 0, 65535),
    host: env.string('HOST'),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS),
    drainDelayMs: env.duration('DRAIN_DELAY', 0, 3_600_000),
    drainTimeoutMs: env.duration('DRAIN_TIMEOUT', 0, 3_600_000),
    maxDeadlineMs: env.duration('MAX_DEADLINE', 1, 86_400_000),
    instance: env.string('POD_NAME'),
    version: env.string('SERVICE_VERSION'),
    unaryFastPath: env.oneOf('UNARY_FAST_PATH', ['on', 'off']) === 'on',
    fault: readFaultSpec(env),
    connectionPolicy: {
      handshakeTimeoutMs: env.duration('HANDSHAKE_TIMEOUT', 1, 3_600_000),
      requestTimeoutMs: env.duration('REQUEST_TIMEOUT', 1, 86_400_000),
      keepaliveTimeMs: env.duration('KEEPALIVE_TIME', 1_000, 86_400_000),
      keepaliveTimeoutMs: env.duration('KEEPALIVE_TIMEOUT', 1, 3_600_000),
      // At most 20 days: with the +10 % jitter still under the 2^31 - 1 ms a Node timer can wait.
      maxConnectionAgeMs: env.duration('MAX_CONNECTION_AGE', 0, 20 * 86_400_000),
      maxConnectionAgeGraceMs: env.duration('MAX_CONNECTION_AGE_GRACE', 0, 86_400_000),
    },
  };
}

/** The connection policy of SERVICE_DEFAULTS, for servers created without one. */
export const DEFAULT_CONNECTION_POLICY: ConnectionPolicy = readServiceConfig({}, '').connectionPolicy;
