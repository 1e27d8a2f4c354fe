import type { Interceptor } from '@connectrpc/connect';
import { type CallOutcome, callOutcome, isServerBug, OK_OUTCOME, watchStream } from '@protomesh/grpc-core';
import type { Logger } from '@protomesh/runtime';

/**
 * Every call's end, mapped once: a failure leaves as the status callOutcome
 * gives it (never a raw handler error), and the call gets one log line — at
 * debug, or at error with the cause when the outcome points at a bug. Streams
 * are followed to their end, so a streaming handler that throws is mapped and
 * logged exactly as a unary one.
 */
export function createOutcomeInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const procedure = `/${req.service.typeName}/${req.method.name}`;
    const finish = (outcome: CallOutcome) => {
      const fields = { procedure, code: outcome.status, durationMs: elapsed(started) };
      if (isServerBug(outcome)) {
        logger.error({ ...fields, err: outcome.error?.cause ?? outcome.error }, 'call failed');
      } else if (logger.isLevelEnabled('debug')) {
        logger.debug(fields, 'call');
      }
      return outcome.error;
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        finish(OK_OUTCOME);
        return res;
      }
      const onEnd = (thrown: unknown) => finish(thrown === undefined ? OK_OUTCOME : callOutcome(thrown, req.signal));
      return { ...res, message: watchStream(res.message, onEnd) };
    } catch (err) {
      throw finish(callOutcome(err, req.signal));
    }
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
