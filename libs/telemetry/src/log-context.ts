import type { Logger } from '@protomesh/runtime';
import { traceLogFields } from './call-context.js';

/**
 * A logger whose lines, when written during a call, carry that call's
 * trace_id, span_id, trace_flags and request_id, so logs and traces of one
 * request can be joined. Outside a call the lines are unchanged.
 */
export function withTraceContext(logger: Logger): Logger {
  return logger.child({}, { formatters: { log: (object) => ({ ...traceLogFields(), ...object }) } });
}
