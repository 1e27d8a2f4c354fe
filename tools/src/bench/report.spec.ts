import { formatReport, type Result } from './report.js';

function result(server: string, load: string, rps: number, p99Us = 56_789, problems: string[] = []): Result {
  return { server, load, rps, p50Us: 1234, p99Us, cpuUsPerCall: 123.4, othersPercent: 4.6, problems };
}

const run = (load: string, fast: number, fastP99 = 50_000) => [
  result('fast', load, fast, fastP99),
  result('slow', load, 2_000),
  result('grpc-js', load, 10_000),
  result('raw', load, 20_000),
];

describe('formatReport', () => {
  it('gives each load a table in ms, and the ratios of the fast path to the others in the same run', () => {
    const report = formatReport([...run('h2load 8 × 10', 15_000), ...run('ghz 4 × 50', 12_000)]);
    expect(report).toContain('### h2load 8 × 10\n');
    expect(report).toContain('| fast | 15,000 | 1.23 | 50.00 | 123 | 5 % | OK |');
    expect(report).toContain('| grpc-js | 10,000 | 1.23 | 56.79 | 123 | 5 % | OK |');
    expect(report).toContain(
      'fast/grpc-js 1.50×, fast/slow 7.50×, fast/raw 0.75×; p99 fast 50.00 ms vs grpc-js 56.79 ms; ' +
        'target (≥ 1.30× grpc-js, p99 ≤ grpc-js): met',
    );
    expect(report).toContain('### ghz 4 × 50\n');
    expect(report).toContain('fast/grpc-js 1.20×, fast/slow 6.00×');
    expect(report).not.toContain('INVALID');
  });

  it('says plainly when the target is not met, on req/s or on p99', () => {
    expect(formatReport(run('l', 12_000))).toContain('fast/grpc-js 1.20×');
    expect(formatReport(run('l', 12_000))).toContain('target (≥ 1.30× grpc-js, p99 ≤ grpc-js): NOT met');
    expect(formatReport(run('l', 20_000, 60_000))).toContain('p99 fast 60.00 ms vs grpc-js 56.79 ms; target');
    expect(formatReport(run('l', 20_000, 60_000))).toContain('NOT met');
  });

  it('marks an unverified figure INVALID with its reasons, and compares nothing with it', () => {
    const rows = run('h2load 8 × 100', 15_000);
    rows[1] = result('slow', 'h2load 8 × 100', 3_000, 1, ['received 0 B of response data']);
    const report = formatReport(rows);
    expect(report).toContain('| slow | 3,000 | 1.23 | 0.00 | 123 | 5 % | **INVALID** |');
    expect(report).toContain('fast/grpc-js 1.50×, fast/slow n/a, fast/raw 0.75×');
    expect(report).toMatch(/\nINVALID slow h2load 8 × 100: received 0 B of response data$/);
  });

  it('shows n/a for figures that could not be taken', () => {
    const empty: Result = { server: 'fast', load: 'l', rps: 0, problems: ['h2load not found'] };
    const report = formatReport([empty]);
    expect(report).toContain('| fast | 0 | n/a | n/a | n/a | n/a | **INVALID** |');
    expect(report).toContain('fast/grpc-js n/a, fast/slow n/a, fast/raw n/a; p99 fast n/a ms vs grpc-js n/a ms');
  });
});
