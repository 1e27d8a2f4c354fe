import { Code, ConnectError } from '@connectrpc/connect';
import { type Context, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { errorTypeLabel, fullMethodName, RPC_SYSTEM_NAME, statusCodeLabel } from './rpc-labels.js';
import type { RpcMetrics } from './rpc-metrics.js';

/** Ends an observed call with the error it failed with (undefined = OK); later calls are ignored. */
export type EndObservedCall = (error: unknown, attempts?: number) => void;

export interface ObservedCall {
  /** The call's span, when spans are recorded. */
  readonly span?: Span;
  readonly end: EndObservedCall;
}

interface CallRequest {
  readonly service: { readonly typeName: string };
  readonly method: { readonly name: string };
  readonly url: string;
}

/**
 * Starts the metrics and, with a tracer, the span of one call, both named
 * after the OpenTelemetry RPC conventions: span name and `rpc.method` are the
 * fully-qualified method, the status is the gRPC status name.
 */
export function observeCall(
  metrics: RpcMetrics,
  req: CallRequest,
  parent: Context,
  tracer: Tracer | undefined,
): ObservedCall {
  const method = fullMethodName(req);
  const endMetrics = metrics.start(method);
  const span = tracer?.startSpan(
    method,
    {
      kind: metrics.side === 'server' ? SpanKind.SERVER : SpanKind.CLIENT,
      attributes: { 'rpc.system.name': RPC_SYSTEM_NAME, 'rpc.method': method, ...serverAttributes(req.url) },
    },
    parent,
  );
  let ended = false;
  return {
    span,
    end(error, attempts) {
      if (ended) {
        return;
      }
      ended = true;
      const code = error === undefined ? undefined : ConnectError.from(error).code;
      endMetrics(code, attempts);
      if (span === undefined) {
        return;
      }
      span.setAttribute('rpc.status_code', statusCodeLabel(code));
      const errorType = errorTypeLabel(metrics.side, code);
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: ConnectError.from(error).rawMessage });
      }
      span.end();
    },
  };
}

function serverAttributes(url: string): Record<string, string | number> {
  try {
    const { hostname, port, protocol } = new URL(url);
    return {
      'server.address': hostname.replace(/^\[(.*)\]$/, '$1'),
      'server.port': port === '' ? (protocol === 'https:' ? 443 : 80) : Number(port),
    };
  } catch {
    return {};
  }
}

/**
 * A streamed response, observed to its end: the call ends when the stream
 * does, fails with the stream's error, or counts as cancelled when the reader
 * stops early. `wrapStep` runs each step of the source (the server keeps its
 * call context around the handler's generator this way).
 */
export function observeStream<T>(
  source: AsyncIterable<T>,
  end: (error: unknown) => void,
  wrapStep: <R>(step: () => R) => R = (step) => step(),
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const result = await wrapStep(() => iterator.next());
            if (result.done) {
              end(undefined);
            }
            return result;
          } catch (err) {
            end(err);
            throw err;
          }
        },
        async return(value?: unknown) {
          end(new ConnectError('stream abandoned by its reader', Code.Canceled));
          return (await wrapStep(() => iterator.return?.(value))) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
