import type { Interceptor } from '@connectrpc/connect';
import { ConnectError } from '@connectrpc/connect';
import { GRPC_STATUS_NAMES, type GrpcStatusName, grpcStatusCode } from '@protomesh/grpc-core';
import { ConfigError, DURATION_FORM, type EnvReader, sleep } from '@protomesh/runtime';

/**
 * In-process fault injection with the semantics of an Istio VirtualService
 * `http[].fault`: a fixed delay for a percentage of calls, and, independently,
 * an abort with a gRPC status for a percentage of calls. The delay comes first
 * and honours the caller's deadline, exactly as Envoy's fault filter does.
 */
export interface FaultSpec {
  readonly delay?: { readonly ms: number; readonly percent: number };
  readonly abort?: { readonly status: GrpcStatusName; readonly percent: number };
}

/**
 * Reads FAULT_DELAY + FAULT_DELAY_PERCENT and FAULT_ABORT_STATUS +
 * FAULT_ABORT_PERCENT. Each fault needs both of its variables: a stray
 * FAULT_DELAY alone is a config error rather than a silent 100 % fault, so a
 * rehearsal can never be switched on by accident.
 */
export function readFaultSpec(env: EnvReader): FaultSpec {
  const delayText = env.raw('FAULT_DELAY');
  const delayPercentText = env.raw('FAULT_DELAY_PERCENT');
  const abortText = env.raw('FAULT_ABORT_STATUS');
  const abortPercentText = env.raw('FAULT_ABORT_PERCENT');
  requirePair('FAULT_DELAY_PERCENT', delayPercentText, 'FAULT_DELAY', delayText, 'a percentage from 0 to 100');
  requirePair('FAULT_DELAY', delayText, 'FAULT_DELAY_PERCENT', delayPercentText, DURATION_FORM);
  requirePair('FAULT_ABORT_PERCENT', abortPercentText, 'FAULT_ABORT_STATUS', abortText, 'a percentage from 0 to 100');
  requirePair(
    'FAULT_ABORT_STATUS',
    abortText,
    'FAULT_ABORT_PERCENT',
    abortPercentText,
    'a gRPC status name such as UNAVAILABLE',
  );
  const spec: { delay?: FaultSpec['delay']; abort?: FaultSpec['abort'] } = {};
  if (delayText !== undefined) {
    // At most a day, as MAX_DEADLINE: a longer delay outlives every call it could hold.
    spec.delay = { ms: env.duration('FAULT_DELAY', 1, 86_400_000), percent: env.percent('FAULT_DELAY_PERCENT') };
  }
  if (abortText !== undefined) {
    const abortable = GRPC_STATUS_NAMES.filter((name) => name !== 'OK');
    spec.abort = {
      status: env.oneOf('FAULT_ABORT_STATUS', abortable),
      percent: env.percent('FAULT_ABORT_PERCENT'),
    };
  }
  return spec;
}

function requirePair(
  missing: string,
  missingValue: string | undefined,
  present: string,
  presentValue: string | undefined,
  expected: string,
): void {
  if (presentValue !== undefined && missingValue === undefined) {
    throw new ConfigError(missing, `${expected} (required when ${present} is set)`, '');
  }
}

export function isFaultActive(spec: FaultSpec): boolean {
  return spec.delay !== undefined || spec.abort !== undefined;
}

/** A one-line description for the start-up warning. */
export function describeFault(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.delay) {
    parts.push(`delay ${spec.delay.ms}ms on ${spec.delay.percent}% of calls`);
  }
  if (spec.abort) {
    parts.push(`abort with ${spec.abort.status} on ${spec.abort.percent}% of calls`);
  }
  return parts.join(', ');
}

/**
 * The interceptor applying a FaultSpec. `random` returns a number in [0, 1)
 * and is drawn once per fault per call (defaults to Math.random).
 */
export function createFaultInterceptor(spec: FaultSpec, random: () => number = Math.random): Interceptor {
  const hits = (percent: number) => random() * 100 < percent;
  return (next) => async (req) => {
    if (spec.delay && hits(spec.delay.percent)) {
      await sleep(spec.delay.ms, req.signal).catch((reason: unknown) => {
        throw ConnectError.from(reason);
      });
    }
    if (spec.abort && hits(spec.abort.percent)) {
      throw new ConnectError('fault injected', grpcStatusCode(spec.abort.status));
    }
    return next(req);
  };
}
