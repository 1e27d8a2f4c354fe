import { MAX_ATTEMPTS_LIMIT } from '@protomesh/grpc-client';
import { GRPC_STATUS_NAMES, type GrpcStatusName } from '@protomesh/grpc-core';
import { type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@protomesh/runtime';

/**
 * The client's settings and their defaults, as they would be written in the
 * environment. The one place the defaults are stated: the README's table is
 * checked against it.
 */
export const CLIENT_DEFAULTS = {
  SERVER_URL: 'http://localhost:8080',
  INTERVAL: '2s',
  TIMEOUT: '5s',
  NAME: 'world',
  MAX_ATTEMPTS: '3',
  COUNT: '0',
  EXPECT: 'OK',
  LOG_LEVEL: 'info',
} as const;

export interface ClientConfig {
  /** The server (plaintext HTTP/2; the sidecar adds mTLS). */
  readonly serverUrl: string;
  /** From the start of one call to the start of the next. */
  readonly intervalMs: number;
  /** Each call's deadline, retries included. */
  readonly timeoutMs: number;
  /** Who to greet. */
  readonly name: string;
  /** Attempts per call when the server is UNAVAILABLE. */
  readonly maxAttempts: number;
  /** Stop after this many calls; 0 = forever. */
  readonly count: number;
  /** The code every call should end with for exit code 0. */
  readonly expect: GrpcStatusName;
  readonly logLevel: LogLevel;
}

export function readClientConfig(environment: Env): ClientConfig {
  const env = new EnvReader(environment, CLIENT_DEFAULTS);
  return {
    serverUrl: env.url('SERVER_URL'),
    intervalMs: env.duration('INTERVAL', 1, 86_400_000),
    timeoutMs: env.duration('TIMEOUT', 1, 3_600_000),
    name: env.string('NAME'),
    maxAttempts: env.integer('MAX_ATTEMPTS', 1, MAX_ATTEMPTS_LIMIT),
    count: env.integer('COUNT', 0, Number.MAX_SAFE_INTEGER),
    expect: env.oneOf('EXPECT', GRPC_STATUS_NAMES),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS),
  };
}
