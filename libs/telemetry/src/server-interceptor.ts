import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Tracer } from '@opentelemetry/api';
import { readCallContext, runInCallContext, withSpan } from './call-context.js';
import { observeCall, observeStream } from './rpc-call.js';
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
    try {
      const res = await runInCallContext(context, () => next(req));
      if (!res.stream) {
        call.end(undefined);
        return res;
      }
      const end = (error: unknown) => call.end(error === undefined ? undefined : outcomeOf(req.signal, error));
      return { ...res, message: observeStream(res.message, end, (step) => runInCallContext(context, step)) };
    } catch (err) {
      call.end(outcomeOf(req.signal, err));
      throw err;
    }
  };
}

/**
 * When the client goes away (resets the stream, drops the connection), Connect
 * aborts the call with a reason derived from the reset code: INTERNAL for the
 * INTERNAL_ERROR that Connect clients send when their deadline passes. The
 * server did not fail; its client left, which gRPC calls CANCELLED. An abort
 * by the server's own deadline keeps DEADLINE_EXCEEDED.
 */
function outcomeOf(signal: AbortSignal, err: unknown): unknown {
  const abandoned = signal.aborted && err === signal.reason && ConnectError.from(err).code !== Code.DeadlineExceeded;
  return abandoned ? new ConnectError('the client went away', Code.Canceled) : err;
}
