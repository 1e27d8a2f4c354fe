import type { Interceptor } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { attemptsKey, definedOnly, formatGrpcTimeout, parseGrpcTimeout } from '@protomesh/grpc-core';
import { sleep } from '@protomesh/runtime';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3; gRFC A6 caps it at 5. */
  maxAttempts?: number;
  /** Upper bound of the first backoff. Default 100 ms. */
  initialBackoffMs?: number;
  /** Upper bound of any backoff. Default 1 s. */
  maxBackoffMs?: number;
  /** Growth of the backoff bound per attempt. Default 2. */
  backoffMultiplier?: number;
  /**
   * Codes worth another attempt. Default: UNAVAILABLE only, the one code that
   * promises the server did no work. Never DEADLINE_EXCEEDED (the budget is
   * spent) nor INVALID_ARGUMENT (the same request fails the same way).
   */
  retryableCodes?: readonly Code[];
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
}

type ResolvedRetryOptions = Required<RetryOptions>;

export const MAX_ATTEMPTS_LIMIT = 5;

function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  const resolved: ResolvedRetryOptions = {
    maxAttempts: 3,
    initialBackoffMs: 100,
    maxBackoffMs: 1_000,
    backoffMultiplier: 2,
    retryableCodes: [Code.Unavailable],
    random: Math.random,
    ...definedOnly(options),
  };
  resolved.maxAttempts = Math.min(Math.max(1, resolved.maxAttempts), MAX_ATTEMPTS_LIMIT);
  return resolved;
}

/**
 * Retries unary calls as gRFC A6 describes: only retryable codes, at most
 * `maxAttempts`, a full-jitter exponential backoff, and never past the
 * call's deadline: a backoff that would end after the deadline is not taken,
 * and each attempt tells the server only the time that is left.
 */
export function createRetryInterceptor(options: RetryOptions = {}): Interceptor {
  const opts = resolveRetryOptions(options);
  return (next) => async (req) => {
    if (req.stream) {
      return next(req);
    }
    const timeoutMs = parseGrpcTimeout(req.header.get('grpc-timeout'));
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      req.contextValues.set(attemptsKey, attempt);
      if (attempt > 1 && timeoutMs !== undefined) {
        req.header.set('grpc-timeout', formatGrpcTimeout(deadline - Date.now()));
      }
      try {
        return await next(req);
      } catch (err) {
        const error = refusedAsUnavailable(ConnectError.from(err));
        const bound = Math.min(opts.initialBackoffMs * opts.backoffMultiplier ** (attempt - 1), opts.maxBackoffMs);
        const backoffMs = opts.random() * bound;
        const retry =
          attempt < opts.maxAttempts &&
          opts.retryableCodes.includes(error.code) &&
          !req.signal.aborted &&
          Date.now() + backoffMs < deadline;
        if (!retry) {
          throw error;
        }
        await sleep(backoffMs, req.signal).catch((reason: unknown) => {
          throw ConnectError.from(reason);
        });
      }
    }
  };
}

/**
 * connect-node reports a stream the server refused (RST_STREAM REFUSED_STREAM,
 * sent for streams that race a drain's GOAWAY) as INTERNAL. HTTP/2 promises
 * such a stream was never processed and gRPC maps it to UNAVAILABLE
 * (PROTOCOL-HTTP2.md), so it is retried, and reported, as UNAVAILABLE.
 */
function refusedAsUnavailable(error: ConnectError): ConnectError {
  if (error.code !== Code.Internal || !isRefusedStream(error.cause)) {
    return error;
  }
  return new ConnectError(error.rawMessage, Code.Unavailable, error.metadata, undefined, error.cause);
}

/** Node's http2 error carries no RST code, only this message; Connect may wrap it in causes. */
function isRefusedStream(reason: unknown, depth = 0): boolean {
  if (!(reason instanceof Error) || depth > 5) {
    return false;
  }
  const { code } = reason as NodeJS.ErrnoException;
  return (
    (code === 'ERR_HTTP2_STREAM_ERROR' && reason.message.includes('NGHTTP2_REFUSED_STREAM')) ||
    isRefusedStream(reason.cause, depth + 1)
  );
}
