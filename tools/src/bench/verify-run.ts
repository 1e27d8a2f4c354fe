import type { H2loadLog, H2loadSummary } from './h2load-output.js';

export interface RunEvidence {
  summary: H2loadSummary;
  log: H2loadLog;
  /** Size of one successful response message (DATA payload), bytes. */
  responseFrameBytes: number;
  /** OK responses the server itself counted during the run, when it can tell. */
  serverOkResponses?: number;
  /** Warnings, errors and stray output from the server during the run. */
  serverLogLines: readonly string[];
}

/**
 * Why a run's figures cannot be trusted, or nothing when they can. h2load
 * counts a gRPC error (HTTP 200, grpc-status ≠ 0 in the trailers) as success,
 * so its own counters are not enough: a gRPC error carries no response
 * message, which shows up in the DATA bytes and in the server's count.
 */
export function verifyRun(evidence: RunEvidence): string[] {
  const { summary, log, responseFrameBytes, serverOkResponses, serverLogLines } = evidence;
  const { done, started, failed, errored, timeout } = summary.requests;
  const problems: string[] = [];
  if (done === 0) {
    problems.push('no request completed');
  }
  if (failed + errored + timeout > 0) {
    problems.push(`h2load: ${failed} failed, ${errored} errored, ${timeout} timed out`);
  }
  const nonOk = summary.status['3xx'] + summary.status['4xx'] + summary.status['5xx'];
  if (nonOk > 0) {
    problems.push(`${nonOk} responses with an HTTP status other than 2xx`);
  }
  if (log.otherStatus > 0 || log.latenciesUs.length !== done) {
    problems.push(
      `log file has ${log.latenciesUs.length} HTTP 200 records and ${log.otherStatus} others for ${done} completed requests`,
    );
  }
  // Requests still in flight when the measured period ends may have received
  // their message without completing, hence a range rather than equality.
  const messages = summary.dataBytes / responseFrameBytes;
  const twoXx = summary.status['2xx'];
  if (!Number.isInteger(messages) || messages < done || messages > twoXx) {
    problems.push(
      `received ${summary.dataBytes} B of response data, expected a whole number of ${responseFrameBytes} B ` +
        `messages from ${done} (completed) to ${twoXx} (responses started)`,
    );
  }
  if (serverOkResponses !== undefined && (serverOkResponses < done || serverOkResponses > started)) {
    problems.push(`server counted ${serverOkResponses} OK responses for ${done} completed of ${started} sent requests`);
  }
  if (serverLogLines.length > 0) {
    problems.push(`server logged ${serverLogLines.length} warnings or errors, first: ${serverLogLines[0]}`);
  }
  return problems;
}
