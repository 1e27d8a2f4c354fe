import type { H2loadSummary } from './h2load-output.js';
import { verifyRun, type RunEvidence } from './verify-run.js';

const FRAME = 20;

function evidence(summary: Partial<H2loadSummary> = {}, rest: Partial<RunEvidence> = {}): RunEvidence {
  const full: H2loadSummary = {
    elapsedS: 5,
    requestsPerSecond: 200,
    requests: { total: 1000, started: 1010, done: 1000, succeeded: 1000, failed: 0, errored: 0, timeout: 0 },
    status: { '2xx': 1008, '3xx': 0, '4xx': 0, '5xx': 0 },
    dataBytes: 1005 * FRAME,
    ...summary,
  };
  return {
    summary: full,
    log: { latenciesUs: Array.from({ length: full.requests.done }, () => 100), otherStatus: 0 },
    responseFrameBytes: FRAME,
    serverOkResponses: 1004,
    serverLogLines: [],
    ...rest,
  };
}

describe('verifyRun', () => {
  it('accepts a run where every completed request got its message, in-flight ones included', () => {
    expect(verifyRun(evidence())).toEqual([]);
    expect(verifyRun(evidence({ dataBytes: 1000 * FRAME }))).toEqual([]);
    expect(verifyRun(evidence({ dataBytes: 1008 * FRAME }))).toEqual([]);
  });

  it('catches gRPC errors that h2load counted as success: too few response messages', () => {
    const problems = verifyRun(evidence({ dataBytes: 600 * FRAME }));
    expect(problems).toEqual([expect.stringContaining('received 12000 B of response data')]);
  });

  it('catches responses that are not the expected message', () => {
    expect(verifyRun(evidence({ dataBytes: 1005 * FRAME + 3 }))).toHaveLength(1);
    expect(verifyRun(evidence({ dataBytes: 1009 * FRAME }))).toHaveLength(1);
  });

  it('catches a server that counted fewer OK responses than were completed', () => {
    expect(verifyRun(evidence({}, { serverOkResponses: 990 }))).toEqual([
      'server counted 990 OK responses for 1000 completed of 1010 sent requests',
    ]);
    expect(verifyRun(evidence({}, { serverOkResponses: undefined }))).toEqual([]);
  });

  it('catches h2load failures, non-2xx statuses and log records that do not add up', () => {
    const failed = { total: 1000, started: 1010, done: 1000, succeeded: 990, failed: 10, errored: 0, timeout: 0 };
    expect(verifyRun(evidence({ requests: failed }))).toContain('h2load: 10 failed, 0 errored, 0 timed out');
    expect(verifyRun(evidence({ status: { '2xx': 1008, '3xx': 0, '4xx': 0, '5xx': 2 } }))).toContain(
      '2 responses with an HTTP status other than 2xx',
    );
    const log = { latenciesUs: [1, 2], otherStatus: 0 };
    expect(verifyRun(evidence({}, { log }))).toEqual([expect.stringContaining('log file has 2 HTTP 200 records')]);
  });

  it('catches an empty run and lines the server logged under load', () => {
    const none = { total: 0, started: 0, done: 0, succeeded: 0, failed: 0, errored: 0, timeout: 0 };
    expect(
      verifyRun(
        evidence(
          { requests: none, status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, dataBytes: 0 },
          { serverOkResponses: 0 },
        ),
      ),
    ).toEqual(['no request completed']);
    expect(verifyRun(evidence({}, { serverLogLines: ['{"level":"error","msg":"call failed"}'] }))).toEqual([
      'server logged 1 warnings or errors, first: {"level":"error","msg":"call failed"}',
    ]);
  });
});
