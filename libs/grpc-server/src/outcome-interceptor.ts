import type { Interceptor } from '@connectrpc/connect';
import {
  type CallOutcome,
  callOutcome,
  fullMethodName,
  isServerBug,
  OK_OUTCOME,
  watchStream,
} from '@protomesh/grpc-core';
import type { Logger } from '@protomesh/runtime';

/**
 * Every call's end, mapped once: a failure leaves as the status callOutcome
 * gives it (never a raw handler error), and the call gets one log line — at
 * debug, or at error with the cause when the outcome points at a bug. Streams
 * are followed to their end, so a streaming handler that throws is mapped and
 * logged exactly as a unary one.
 */
export function createOutcomeInterceptor(logger: Logger): Interceptor {
  // Nothing is built for the log line unless it is written: most calls are OK at level info.
  const log = (
    req: { service: { typeName: string }; method: object & { name: string } },
    outcome: CallOutcome,
    started: number,
  ) => {
    const bug = isServerBug(outcome);
    if (bug || logger.isLevelEnabled('debug')) {
      const fields = { procedure: `/${fullMethodName(req)}`, code: outcome.status, durationMs: elapsed(started) };
      if (bug) {
        logger.error({ ...fields, err: outcome.error?.cause ?? outcome.error }, 'call failed');
      } else {
        logger.debug(fields, 'call');
      }
    }
    return outcome.error;
  };
  return (next) => async (req) => {
    const started = performance.now();
    try {
      const res = await next(req);
      if (!res.stream) {
        log(req, OK_OUTCOME, started);
        return res;
      }
      const onEnd = (thrown: unknown) =>
        log(req, thrown === undefined ? OK_OUTCOME : callOutcome(thrown, req.signal), started);
      return { ...res, message: watchStream(res.message, onEnd) };
    } catch (err) {
      throw log(req, callOutcome(err, req.signal), started);
    }
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
