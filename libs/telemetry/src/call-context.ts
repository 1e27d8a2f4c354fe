import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

/**
 * The headers a service in an Istio mesh must copy from each incoming request
 * to the requests it makes on its behalf, so that the sidecars' spans join one
 * trace: the request id, W3C trace context, and B3 in both encodings.
 */
export const TRACE_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
] as const;

/** What a call received, kept for the outgoing calls its handler makes. */
export interface CallContext {
  /** The incoming trace headers, as they came. */
  readonly headers: ReadonlyMap<string, string>;
  /** The incoming span context, or this process's server span when it records spans. */
  readonly otel: Context;
}

const storage = new AsyncLocalStorage<CallContext>();

const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};
const headersSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

// B3 is extracted first so that W3C trace context wins when a request carries both.
const extractor = new CompositePropagator({ propagators: [new B3Propagator(), new W3CTraceContextPropagator()] });
const w3c = new W3CTraceContextPropagator();
const b3Multi = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
const b3Single = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });

/** The context of every call that brought no trace headers: one, not one per call. */
const NO_TRACE: CallContext = { headers: new Map(), otel: ROOT_CONTEXT };

/** Picks the trace headers of an incoming call and parses its span context. */
export function readCallContext(headers: Headers): CallContext {
  let picked: Map<string, string> | undefined;
  for (const name of TRACE_HEADERS) {
    const value = headers.get(name);
    if (value !== null) {
      (picked ??= new Map()).set(name, value);
    }
  }
  return picked === undefined
    ? NO_TRACE
    : { headers: picked, otel: extractor.extract(ROOT_CONTEXT, headers, headersGetter) };
}

/** The same call context with `span` as the current span. */
export function withSpan(context: CallContext, span: Span): CallContext {
  return { headers: context.headers, otel: trace.setSpan(context.otel, span) };
}

/** The context of the call being handled, wherever in its handler this runs. */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

export function runInCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Writes the trace headers of an outgoing call made on behalf of `context`.
 * Without a client span the incoming headers are copied as they came, which
 * is what lets Istio stitch its sidecars' spans. With one, W3C and B3 are
 * written anew so that every format names that span as the parent (B3 single
 * only when the incoming call used it), and only x-request-id is copied.
 * A header the caller set itself is never replaced by a copied one.
 */
export function writeTraceHeaders(headers: Headers, context: CallContext | undefined, span?: Span): void {
  const copy = (name: string, value: string) => {
    if (!headers.has(name)) {
      headers.set(name, value);
    }
  };
  if (span === undefined) {
    context?.headers.forEach((value, name) => copy(name, value));
    return;
  }
  const requestId = context?.headers.get('x-request-id');
  if (requestId !== undefined) {
    copy('x-request-id', requestId);
  }
  const spanContext = trace.setSpan(context?.otel ?? ROOT_CONTEXT, span);
  w3c.inject(spanContext, headers, headersSetter);
  b3Multi.inject(spanContext, headers, headersSetter);
  if (context?.headers.has('b3')) {
    b3Single.inject(spanContext, headers, headersSetter);
  }
}

/**
 * Log fields of the current call, named as OpenTelemetry's "trace context in
 * non-OTLP log formats" asks (trace_id, span_id, trace_flags), plus the mesh's
 * request_id. Empty outside a call.
 */
export function traceLogFields(): Record<string, string> {
  const context = storage.getStore();
  if (context === undefined) {
    return {};
  }
  const fields: Record<string, string> = {};
  const spanContext = trace.getSpanContext(context.otel);
  if (spanContext !== undefined && isSpanContextValid(spanContext)) {
    fields['trace_id'] = spanContext.traceId;
    fields['span_id'] = spanContext.spanId;
    fields['trace_flags'] = spanContext.traceFlags.toString(16).padStart(2, '0');
  }
  const requestId = context.headers.get('x-request-id');
  if (requestId !== undefined) {
    fields['request_id'] = requestId;
  }
  return fields;
}
