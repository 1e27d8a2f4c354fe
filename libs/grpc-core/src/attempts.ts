import { createContextKey } from '@connectrpc/connect';

/**
 * How many attempts an outgoing call made, set by the retry interceptor and
 * read by the client's telemetry and call log from the call's contextValues.
 * 0 when no retry interceptor ran: the call was one attempt.
 */
export const attemptsKey = createContextKey(0, { description: 'attempts made by the retry interceptor' });

/** The attempts a call made: what the retry interceptor counted, at least 1. */
export function attemptsOf(contextValues: { get(key: typeof attemptsKey): number }): number {
  return Math.max(1, contextValues.get(attemptsKey));
}
