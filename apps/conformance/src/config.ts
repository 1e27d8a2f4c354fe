import { type FaultSpec, readFaultSpec } from '@protomesh/grpc-server';
import { type Env, EnvReader, LOG_LEVELS, type LogLevel } from '@protomesh/runtime';

export const UNARY_FAST_PATH_VALUES = ['on', 'off'] as const;

export interface ConformanceConfig {
  /** UNARY_FAST_PATH, on (default, as in the product server) or off: GrpcServerOptions.unaryFastPath. */
  readonly unaryFastPath: boolean;
  /** LOG_LEVEL, default info. Logs go to stderr: stdout belongs to the runner's protocol. */
  readonly logLevel: LogLevel;
  /** DRAIN_TIMEOUT, default 2s: the runner sends SIGTERM once its clients are done. */
  readonly drainTimeoutMs: number;
  /** FAULT_* as in the product server: off unless both halves of a fault are set. */
  readonly fault: FaultSpec;
}

/**
 * The listen address, the port and the receive limit are not configurable
 * here: the runner's ServerCompatRequest decides them.
 */
export function readConformanceConfig(environment: Env): ConformanceConfig {
  const env = new EnvReader(environment);
  return {
    unaryFastPath: env.oneOf('UNARY_FAST_PATH', 'on', UNARY_FAST_PATH_VALUES) === 'on',
    logLevel: env.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    drainTimeoutMs: env.duration('DRAIN_TIMEOUT', 2_000, 0, 60_000),
    fault: readFaultSpec(env),
  };
}
