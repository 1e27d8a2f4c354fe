import type { Interceptor } from '@connectrpc/connect';
import type { Tracer } from '@opentelemetry/api';
import { callOutcome, OK_OUTCOME, watchStream } from '@protomesh/grpc-core';
import { readCallContext, runInCallContext, withSpan } from './call-context.js';
import { observeCall } from './rpc-call.js';
import type { RpcMetrics } from './rpc-metrics.js';

export interface ServerTelemetryOptions {
  /** Server-side metrics (`new RpcMetrics('server', ...)`). */
  metrics: RpcMetrics;
  /** Records a SERVER span per call when set; see startTraceExport. */
  tracer?: Tracer;
}

/**
 * Observes every incoming call: metrics by method and final status, a span
 * when tracing is on, and the call's trace headers kept in an
 * AsyncLocalStorage for the whole handler, so its log lines carry the trace
 * id and its own outgoing calls forward the headers. Put it outermost, where
 * the status is the one the client receives.
 */
export function createServerTelemetryInterceptor(options: ServerTelemetryOptions): Interceptor {
  const { metrics, tracer } = options;
  return (next) => async (req) => {
    const incoming = readCallContext(req.header);
    const call = observeCall(metrics, req, incoming.otel, tracer);
    const context = call.span === undefined ? incoming : withSpan(incoming, call.span);
    // Nothing to carry when the call brought no trace headers and records no
    // span: the handler then sees no call context, as it would with an empty one.
    const carried = incoming.headers.size > 0 || call.span !== undefined;
    try {
      const res = carried ? await runInCallContext(context, () => next(req)) : await next(req);
      if (!res.stream) {
        call.end(OK_OUTCOME);
        return res;
      }
      const onEnd = (thrown: unknown) => {
        call.end(thrown === undefined ? OK_OUTCOME : callOutcome(thrown, req.signal));
        return thrown;
      };
      const wrapStep = carried ? <R>(step: () => R) => runInCallContext(context, step) : undefined;
      return { ...res, message: watchStream(res.message, onEnd, wrapStep) };
    } catch (err) {
      call.end(callOutcome(err, req.signal));
      throw err;
    }
  };
}
