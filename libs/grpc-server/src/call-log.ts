import type { Interceptor } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { grpcStatusName, type Logger } from '@protomesh/runtime';

/**
 * One debug line per call with its outcome, and an error line with the cause
 * for calls that failed with a code that means a bug on our side.
 */
export function createCallLogInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const procedure = `/${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      logger.debug({ procedure, code: 'OK', durationMs: elapsed(started) }, 'call');
      return res;
    } catch (err) {
      const error = ConnectError.from(err);
      const fields = {
        procedure,
        code: grpcStatusName(error.code),
        durationMs: elapsed(started),
        err: error.cause ?? error,
      };
      if (error.code === Code.Unknown || error.code === Code.Internal) {
        logger.error(fields, 'call failed');
      } else {
        logger.debug(fields, 'call');
      }
      throw error;
    }
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
