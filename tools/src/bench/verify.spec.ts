import { parseGhz } from './ghz.js';
import type { H2loadRun } from './h2load.js';
import { ghzOutcome, h2loadOutcome, miscount } from './verify.js';

const FRAME = 20;

function h2load(run: Partial<H2loadRun> = {}): H2loadRun {
  const latenciesUs = Array.from({ length: 1000 }, () => 100);
  const counts = { rps: 200, started: 1010, done: 1000, failures: 0, ok2xx: 1008, nonOk: 0, dataBytes: 1005 * FRAME };
  return { ...counts, latenciesUs, otherRecords: 0, ...run };
}

describe('h2loadOutcome', () => {
  it('accepts a run where every completed request got its message, in-flight ones included', () => {
    expect(h2loadOutcome(h2load(), FRAME)).toEqual({
      rps: 200,
      calls: 1000,
      p50Us: 100,
      p99Us: 100,
      latenciesUs: h2load().latenciesUs,
      okMin: 1000,
      okMax: 1010,
      problems: [],
    });
    expect(h2loadOutcome(h2load({ dataBytes: 1000 * FRAME }), FRAME).problems).toEqual([]);
    expect(h2loadOutcome(h2load({ dataBytes: 1008 * FRAME }), FRAME).problems).toEqual([]);
  });

  it('catches gRPC errors that h2load counted as success: too few response messages', () => {
    expect(h2loadOutcome(h2load({ dataBytes: 600 * FRAME }), FRAME).problems).toEqual([
      expect.stringContaining('received 12000 B of response data'),
    ]);
  });

  it('catches responses that are not the expected message', () => {
    expect(h2loadOutcome(h2load({ dataBytes: 1005 * FRAME + 3 }), FRAME).problems).toHaveLength(1);
    expect(h2loadOutcome(h2load({ dataBytes: 1009 * FRAME }), FRAME).problems).toHaveLength(1);
  });

  it('catches h2load failures, non-2xx statuses and log records that do not add up', () => {
    expect(h2loadOutcome(h2load({ failures: 10 }), FRAME).problems).toContain(
      'h2load: 10 failed, errored or timed out',
    );
    expect(h2loadOutcome(h2load({ nonOk: 2 }), FRAME).problems).toContain(
      '2 responses with an HTTP status other than 2xx',
    );
    expect(h2loadOutcome(h2load({ latenciesUs: [1, 2] }), FRAME).problems).toEqual([
      'log file has 2 HTTP 200 records and 0 others for 1000 requests',
    ]);
  });

  it('catches an empty run', () => {
    const none = { started: 0, done: 0, ok2xx: 0, dataBytes: 0, latenciesUs: [] };
    const outcome = h2loadOutcome(h2load(none), FRAME);
    expect(outcome).toMatchObject({ problems: ['no request completed'], p50Us: undefined });
  });
});

// Trimmed from ghz v0.121.0 -O json against the protomesh server, with its default --duration-stop close.
const GHZ = JSON.stringify({
  count: 4429,
  rps: 1477.83,
  latencyDistribution: [
    { percentage: 10, latency: 14259330 },
    { percentage: 50, latency: 22664119 },
    { percentage: 99, latency: 192751322 },
  ],
  statusCodeDistribution: { OK: 4379, Unavailable: 50 },
  errorDistribution: { 'rpc error: code = Unavailable desc = error reading from server': 50 },
});

describe('ghzOutcome', () => {
  it('reads rate, count and latencies in µs', () => {
    expect(parseGhz(GHZ)).toEqual({
      count: 4429,
      rps: 1477.83,
      p50Us: 22664.119,
      p99Us: 192751.322,
      statuses: { OK: 4379, Unavailable: 50 },
    });
  });

  it('is INVALID with any status other than OK', () => {
    expect(ghzOutcome(parseGhz(GHZ)).problems).toEqual(['ghz: 50 Unavailable']);
    const clean = parseGhz(GHZ.replace(', "Unavailable":50', '').replace(',"Unavailable":50', ''));
    expect(ghzOutcome(clean)).toMatchObject({ calls: 4429, okMin: 4379, okMax: 4429, problems: [] });
  });

  it('is INVALID without calls', () => {
    const none = { count: 0, rps: 0, latencyDistribution: null, statusCodeDistribution: null };
    expect(ghzOutcome(parseGhz(JSON.stringify(none)))).toMatchObject({
      p99Us: undefined,
      problems: ['no call completed'],
    });
  });
});

describe('miscount', () => {
  const outcome = h2loadOutcome(h2load(), FRAME);

  it('wants the server to have counted from the completed to the sent calls as OK', () => {
    expect(miscount(outcome, 1000)).toEqual([]);
    expect(miscount(outcome, 1010)).toEqual([]);
    expect(miscount(outcome, 990)).toEqual(['server counted 990 OK responses, expected 1000 to 1010']);
    expect(miscount(outcome, 1011)).toHaveLength(1);
  });
});
