import { type FaultSpec, readFaultSpec } from '@protomesh/grpc-server';
import { type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@protomesh/runtime';
import { hostname } from 'node:os';
import { version } from '../package.json';

export interface ServerConfig {
  /** PORT, default 8080. */
  readonly port: number;
  /** HOST, default 0.0.0.0. */
  readonly host: string;
  /** LOG_LEVEL, default info. */
  readonly logLevel: LogLevel;
  /** DRAIN_TIMEOUT, default 10s: how long calls in flight may finish after SIGTERM. */
  readonly drainTimeoutMs: number;
  /** MAX_DEADLINE, default 5m: longer client deadlines are refused with INVALID_ARGUMENT. */
  readonly maxDeadlineMs: number;
  /** POD_NAME (set from the Kubernetes downward API), default the host name. */
  readonly instance: string;
  /** SERVICE_VERSION, default the version this build was made from. */
  readonly version: string;
  /** FAULT_* variables: off unless both halves of a fault are set. */
  readonly fault: FaultSpec;
  /** UNARY_FAST_PATH (on|off), default on: unary gRPC calls bypass connect-node's request pipeline. */
  readonly unaryFastPath: boolean;
}

export function readServerConfig(environment: Env): ServerConfig {
  const env = new EnvReader(environment);
  return {
    port: env.integer('PORT', 8080, 0, 65535),
    host: env.string('HOST', '0.0.0.0'),
    logLevel: env.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    drainTimeoutMs: env.duration('DRAIN_TIMEOUT', 10_000, 0, 3_600_000),
    maxDeadlineMs: env.duration('MAX_DEADLINE', 300_000, 1, 86_400_000),
    instance: env.string('POD_NAME', hostname()),
    version: env.string('SERVICE_VERSION', version),
    fault: readFaultSpec(env),
    unaryFastPath: env.oneOf('UNARY_FAST_PATH', 'on', ['on', 'off']) === 'on',
  };
}
