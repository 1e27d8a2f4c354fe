import { errorType, fullMethodName } from '@protomesh/grpc-core';
import { type Context, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { RPC_SYSTEM_NAME } from './rpc-labels.js';
import type { EndCall, RpcMetrics } from './rpc-metrics.js';

interface ObservedCall {
  /** The call's span, when spans are recorded. */
  readonly span?: Span;
  /** Ends the metrics and the span with the call's outcome; later calls are ignored. */
  readonly end: EndCall;
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
    end(outcome, attempts) {
      if (ended) {
        return;
      }
      ended = true;
      endMetrics(outcome, attempts);
      if (span === undefined) {
        return;
      }
      span.setAttribute('rpc.status_code', outcome.status);
      const type = errorType(metrics.side, outcome);
      if (type !== undefined) {
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error?.rawMessage });
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
