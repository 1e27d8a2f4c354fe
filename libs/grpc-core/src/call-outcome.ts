import { Code, ConnectError } from '@connectrpc/connect';
import { type GrpcStatusName, grpcStatusName } from './grpc-status.js';
import { InvalidFieldError } from './invalid-field-error.js';

export type RpcSide = 'server' | 'client';

/** How a call ended, as its caller sees it. */
export interface CallOutcome {
  /** The error the caller receives; undefined when the call succeeded. */
  readonly error: ConnectError | undefined;
  /** `rpc.status_code`: the canonical status name, `OK` for success. */
  readonly status: GrpcStatusName;
}

export const OK_OUTCOME: CallOutcome = { error: undefined, status: 'OK' };

/**
 * The one place where the way a call ended becomes a gRPC status, for the
 * server's error mapping, its call log and the metrics and spans of both
 * sides. A ConnectError keeps its code; an InvalidFieldError is the caller's
 * mistake (INVALID_ARGUMENT); anything else is a bug and leaves as UNKNOWN
 * "internal error", as grpc-go and grpc-java report handler failures, without
 * leaking its message. The original is kept as `cause`, for the log.
 *
 * `signal` is the call's own signal, on the server side: when the failure is
 * its abort reason, the caller went away (reset the stream, dropped the
 * connection, or a Connect client hit its own deadline and reset with
 * INTERNAL_ERROR). The server did nothing wrong, so that is CANCELLED; an
 * abort by the server's own deadline keeps DEADLINE_EXCEEDED.
 */
export function callOutcome(thrown: unknown, signal?: AbortSignal): CallOutcome {
  const error = toConnectError(thrown);
  if (signal?.aborted && thrown === signal.reason && error.code !== Code.DeadlineExceeded) {
    return outcome(new ConnectError('the caller went away', Code.Canceled, undefined, undefined, thrown));
  }
  return outcome(error);
}

function toConnectError(thrown: unknown): ConnectError {
  if (thrown instanceof ConnectError) {
    return thrown;
  }
  if (thrown instanceof InvalidFieldError) {
    return new ConnectError(thrown.message, Code.InvalidArgument, undefined, undefined, thrown);
  }
  return new ConnectError('internal error', Code.Unknown, undefined, undefined, thrown);
}

function outcome(error: ConnectError): CallOutcome {
  return { error, status: grpcStatusName(error.code) };
}

/**
 * Codes that mean the server failed rather than its caller, per the
 * OpenTelemetry gRPC conventions.
 */
const SERVER_FAILURES: ReadonlySet<Code> = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/**
 * `error.type`: the status name when the call failed from this side's point
 * of view (on the client every status but OK; on the server only the codes
 * that mean the server failed), else undefined.
 */
export function errorType(side: RpcSide, outcome: CallOutcome): GrpcStatusName | undefined {
  const { error } = outcome;
  if (error === undefined) {
    return undefined;
  }
  return side === 'client' || SERVER_FAILURES.has(error.code) ? outcome.status : undefined;
}

/**
 * Whether the outcome points at a bug on the server's side (an unexpected
 * failure rather than a status chosen on purpose), the kind worth an error
 * log line with its cause.
 */
export function isServerBug(outcome: CallOutcome): boolean {
  const code = outcome.error?.code;
  return code === Code.Unknown || code === Code.Internal;
}
