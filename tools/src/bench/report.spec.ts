import { formatReport, type ScenarioResult } from './report.js';

const servers = [
  { id: 'protomesh', label: 'protomesh' },
  { id: 'grpc-js', label: 'grpc-js' },
  { id: 'raw-http2', label: 'raw http2' },
];

function result(serverId: string, streams: number, requestsPerSecond: number, problems: string[] = []): ScenarioResult {
  return {
    serverId,
    connections: 8,
    streams,
    requestsPerSecond,
    latency: { count: 10, p50Us: 1234, p99Us: 56789 },
    serverCpuUsPerCall: 123.4,
    othersPercent: 4.6,
    problems,
  };
}

describe('formatReport', () => {
  it('gives each server a table with rates, latencies in ms and ratios to the baselines of the same load', () => {
    const report = formatReport(servers, [
      result('protomesh', 1, 1000),
      result('grpc-js', 1, 4000),
      result('raw-http2', 1, 5000),
      result('protomesh', 100, 2000),
      result('grpc-js', 100, 16000),
      result('raw-http2', 100, 25000),
    ]);
    expect(report).toContain('### protomesh\n');
    expect(report).toContain('| 8 × 1 | 1,000 | 1.23 | 56.79 | 0.25× | 0.20× | 123 | 5 % | OK |');
    expect(report).toContain('| 8 × 100 | 2,000 | 1.23 | 56.79 | 0.13× | 0.08× | 123 | 5 % | OK |');
    expect(report).toContain('| 8 × 100 | 16,000 | 1.23 | 56.79 | 1.00× | 0.64× | 123 | 5 % | OK |');
    expect(report).not.toContain('INVALID');
  });

  it('marks an unverified row INVALID with its reasons, and compares nothing with it', () => {
    const report = formatReport(servers, [
      result('protomesh', 10, 3000, ['received 0 B of response data']),
      result('grpc-js', 10, 15000),
      result('raw-http2', 10, 20000),
    ]);
    expect(report).toContain('| 8 × 10 | 3,000 | 1.23 | 56.79 | n/a | n/a | 123 | 5 % | **INVALID** |');
    expect(report).toContain('| 8 × 10 | 15,000 | 1.23 | 56.79 | 1.00× | 0.75× | 123 | 5 % | OK |');
    expect(report).toMatch(/\nINVALID protomesh 8 × 10: received 0 B of response data$/);
  });

  it('shows n/a for figures that could not be taken and for a missing baseline', () => {
    const empty = {
      ...result('protomesh', 1, 0, ['no request completed']),
      latency: undefined,
      serverCpuUsPerCall: undefined,
      othersPercent: undefined,
    };
    expect(formatReport(servers.slice(0, 1), [empty])).toContain(
      '| 8 × 1 | 0 | n/a | n/a | n/a | n/a | n/a | n/a | **INVALID** |',
    );
  });
});
