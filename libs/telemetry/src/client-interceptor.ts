import { createContextKey, type Interceptor } from '@connectrpc/connect';
import { ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';
import { attemptsOf, callOutcome, OK_OUTCOME, watchStream } from '@protomesh/grpc-core';
import { currentCallContext, writeTraceHeaders } from './call-context.js';
import { observeCall } from './rpc-call.js';
import type { RpcMetrics } from './rpc-metrics.js';

export interface ClientTelemetryOptions {
  /** Client-side metrics (`new RpcMetrics('client', ...)`). */
  metrics: RpcMetrics;
  /** Records a CLIENT span per call when set; see startTraceExport. */
  tracer?: Tracer;
}

/**
 * The trace id an outgoing call carried ('' when it carried none: no call
 * being handled and no span recorded), for the caller's own log line; read it
 * from the contextValues passed to the call.
 */
export const traceIdKey = createContextKey('', { description: 'trace id of the outgoing call' });

/**
 * Observes every outgoing call as a whole, retries and backoff included (put
 * it before the retry interceptor, whose attempt count it reads): metrics by
 * method, final status and attempts, a span when tracing is on, and the trace
 * headers of the call being handled (if any) forwarded to the callee.
 */
export function createClientTelemetryInterceptor(options: ClientTelemetryOptions): Interceptor {
  const { metrics, tracer } = options;
  return (next) => async (req) => {
    const parent = currentCallContext();
    const call = observeCall(metrics, req, parent?.otel ?? ROOT_CONTEXT, tracer);
    writeTraceHeaders(req.header, parent, call.span);
    const traced = call.span?.spanContext() ?? (parent && trace.getSpanContext(parent.otel));
    req.contextValues.set(traceIdKey, traced?.traceId ?? '');
    try {
      const res = await next(req);
      if (!res.stream) {
        call.end(OK_OUTCOME, attemptsOf(req.contextValues));
        return res;
      }
      const onEnd = (thrown: unknown) => {
        call.end(thrown === undefined ? OK_OUTCOME : callOutcome(thrown), attemptsOf(req.contextValues));
        return thrown;
      };
      return { ...res, message: watchStream(res.message, onEnd) };
    } catch (err) {
      call.end(callOutcome(err), attemptsOf(req.contextValues));
      throw err;
    }
  };
}
