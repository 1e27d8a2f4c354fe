import type { Interceptor } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';

/** A request field that breaks the contract; the message says what is wrong. */
export class InvalidFieldError extends Error {
  override readonly name = 'InvalidFieldError';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * The one place where errors become gRPC status codes. ConnectErrors (from
 * Connect itself or raised deliberately) keep their code; domain errors get
 * theirs; anything else is a bug and leaves as UNKNOWN, as grpc-go and
 * grpc-java report handler failures, without leaking its message. The
 * original error is kept as `cause` for logging.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    return err;
  }
  if (err instanceof InvalidFieldError) {
    return new ConnectError(err.message, Code.InvalidArgument, undefined, undefined, err);
  }
  return new ConnectError('internal error', Code.Unknown, undefined, undefined, err);
}

/**
 * Server interceptor applying toConnectError to every failed call. A call
 * whose caller left (cancelled, or reset the stream at its own deadline)
 * ends CANCELLED: the server did nothing wrong, and logging it as INTERNAL
 * would page someone for a client's timeout.
 */
export const errorMappingInterceptor: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    const error = toConnectError(err);
    if (req.signal.aborted && err === req.signal.reason && error.code !== Code.DeadlineExceeded) {
      throw new ConnectError('the caller went away', Code.Canceled, undefined, undefined, err);
    }
    throw error;
  }
};
