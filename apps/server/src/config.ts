import { type FaultSpec, readFaultSpec } from '@protomesh/grpc-server';
import { type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@protomesh/runtime';
import { hostname } from 'node:os';
import { version } from '../package.json';

/**
 * The server's settings and their defaults, as they would be written in the
 * environment. The one place the defaults are stated: the README's table is
 * checked against it. POD_NAME and SERVICE_VERSION default to the host name
 * and to the version this build was made from.
 */
export const SERVER_DEFAULTS = {
  PORT: '8080',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  DRAIN_TIMEOUT: '10s',
  MAX_DEADLINE: '5m',
} as const;

export interface ServerConfig {
  /** The gRPC port. */
  readonly port: number;
  /** The listen address. */
  readonly host: string;
  readonly logLevel: LogLevel;
  /** How long calls in flight may finish after SIGTERM. */
  readonly drainTimeoutMs: number;
  /** Longer client deadlines are refused with INVALID_ARGUMENT. */
  readonly maxDeadlineMs: number;
  /** Reported in `x-server-instance`: the pod name (Kubernetes downward API). */
  readonly instance: string;
  /** Reported in `x-server-version`. */
  readonly version: string;
  /** The app-mode fault: off unless both halves of a fault are set. */
  readonly fault: FaultSpec;
}

export function readServerConfig(environment: Env): ServerConfig {
  const env = new EnvReader(environment, { ...SERVER_DEFAULTS, POD_NAME: hostname(), SERVICE_VERSION: version });
  return {
    port: env.integer('PORT', 0, 65535),
    host: env.string('HOST'),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS),
    drainTimeoutMs: env.duration('DRAIN_TIMEOUT', 0, 3_600_000),
    maxDeadlineMs: env.duration('MAX_DEADLINE', 1, 86_400_000),
    instance: env.string('POD_NAME'),
    version: env.string('SERVICE_VERSION'),
    fault: readFaultSpec(env),
  };
}
