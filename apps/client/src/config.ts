import { MAX_ATTEMPTS_LIMIT } from '@protomesh/grpc-client';
import {
  type Env,
  EnvReader,
  GRPC_STATUS_NAMES,
  type GrpcStatusName,
  LOG_LEVELS,
  type LogLevel,
} from '@protomesh/runtime';

export interface ClientConfig {
  /** SERVER_URL, default http://localhost:8080 (plaintext HTTP/2; the sidecar adds mTLS). */
  readonly serverUrl: string;
  /** INTERVAL, default 2s: from the start of one call to the start of the next. */
  readonly intervalMs: number;
  /** TIMEOUT, default 5s: each call's deadline, retries included. */
  readonly timeoutMs: number;
  /** NAME, default world. */
  readonly name: string;
  /** MAX_ATTEMPTS, default 3 (1 to 5): attempts per call when the server is UNAVAILABLE. */
  readonly maxAttempts: number;
  /** COUNT, default 0 = forever: stop after this many calls. */
  readonly count: number;
  /** EXPECT, default OK: the code every call should end with for exit code 0. */
  readonly expect: GrpcStatusName;
  /** LOG_LEVEL, default info. */
  readonly logLevel: LogLevel;
}

export function readClientConfig(environment: Env): ClientConfig {
  const env = new EnvReader(environment);
  return {
    serverUrl: env.url('SERVER_URL', 'http://localhost:8080'),
    intervalMs: env.duration('INTERVAL', 2_000, 1, 86_400_000),
    timeoutMs: env.duration('TIMEOUT', 5_000, 1, 3_600_000),
    name: env.string('NAME', 'world'),
    maxAttempts: env.integer('MAX_ATTEMPTS', 3, 1, MAX_ATTEMPTS_LIMIT),
    count: env.integer('COUNT', 0, 0, Number.MAX_SAFE_INTEGER),
    expect: env.oneOf('EXPECT', 'OK', GRPC_STATUS_NAMES),
    logLevel: env.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
  };
}
