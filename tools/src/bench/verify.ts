import type { parseGhz } from './ghz.js';
import type { H2loadRun } from './h2load.js';
import { summarizeLatencies } from './percentiles.js';

/** One run by either tool: `calls` completed; the server must count from okMin to okMax OK responses. */
export interface LoadOutcome {
  rps: number;
  calls: number;
  p50Us?: number;
  p99Us?: number;
  /** Every call's latency, when the tool reports them (h2load): what rounds pool into one p50/p99. */
  latenciesUs?: readonly number[];
  okMin: number;
  okMax: number;
  /** Why the figures cannot be trusted; empty: verified. */
  problems: string[];
}

/**
 * h2load counts a gRPC error (HTTP 200, grpc-status ≠ 0 in the trailers) as a
 * success. An error carries no message, so the DATA bytes must be whole
 * response frames, from the completed requests to the responses started
 * (calls in flight at the end may have their message without completing).
 */
export function h2loadOutcome(run: H2loadRun, frameBytes: number): LoadOutcome {
  const { done, started, ok2xx, failures, nonOk, dataBytes, latenciesUs, otherRecords } = run;
  const messages = dataBytes / frameBytes;
  const problems = [
    done === 0 && 'no request completed',
    failures > 0 && `h2load: ${failures} failed, errored or timed out`,
    nonOk > 0 && `${nonOk} responses with an HTTP status other than 2xx`,
    (otherRecords > 0 || latenciesUs.length !== done) &&
      `log file has ${latenciesUs.length} HTTP 200 records and ${otherRecords} others for ${done} requests`,
    (!Number.isInteger(messages) || messages < done || messages > ok2xx) &&
      `received ${dataBytes} B of response data, expected ${frameBytes} B messages for ${done} to ${ok2xx} calls`,
  ];
  const { p50Us, p99Us } = summarizeLatencies(latenciesUs);
  return {
    rps: run.rps,
    calls: done,
    p50Us,
    p99Us,
    latenciesUs,
    okMin: done,
    okMax: started,
    problems: problems.filter(isText),
  };
}

/** ghz records each call's gRPC status: a single one that is not OK spoils the run. */
export function ghzOutcome({ rps, count, p50Us, p99Us, statuses }: ReturnType<typeof parseGhz>): LoadOutcome {
  const others = Object.entries(statuses).filter(([status, n]) => status !== 'OK' && n > 0);
  const problems = [
    count === 0 && 'no call completed',
    others.length > 0 && `ghz: ${others.map(([status, n]) => `${n} ${status}`).join(', ')}`,
  ];
  const okMin = statuses['OK'] ?? 0;
  return { rps, calls: count, p50Us, p99Us, okMin, okMax: count, problems: problems.filter(isText) };
}

/** The server's own count of OK responses over the run must fit what the load generator saw. */
export function miscount({ okMin, okMax }: LoadOutcome, serverOk: number): string[] {
  return serverOk < okMin || serverOk > okMax
    ? [`server counted ${serverOk} OK responses, expected ${okMin} to ${okMax}`]
    : [];
}

const isText = (value: string | false): value is string => value !== false;
