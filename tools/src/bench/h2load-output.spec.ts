import { parseH2loadLog, parseH2loadOutput } from './h2load-output.js';

// Captured from h2load nghttp2/1.52.0 against the protomesh server.
const OUTPUT = `starting benchmark...
spawning thread #0: 8 total client(s). Timing-based test with 0s of warm-up time and 2s of main duration for measurements.
Application protocol: h2c
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 2.01s, 2219.50 req/s, 115.63KB/s
requests: 4439 total, 4447 started, 4439 done, 4439 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 4446 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 231.26KB (236808) total, 22.65KB (23190) headers (space savings 95.54%), 86.84KB (88920) data
                     min         max         mean         sd        +/- sd
time for request:     3.04ms    137.56ms     32.77ms     20.56ms    84.39%
time for connect:        0us         0us         0us         0us     0.00%
time to 1st byte:        0us         0us         0us         0us     0.00%
req/s           :     299.18      309.17      303.56        4.16    37.50%
`;

describe('parseH2loadOutput', () => {
  it('reads rate, request counters, status classes and DATA bytes', () => {
    expect(parseH2loadOutput(OUTPUT)).toEqual({
      elapsedS: 2.01,
      requestsPerSecond: 2219.5,
      requests: { total: 4439, started: 4447, done: 4439, succeeded: 4439, failed: 0, errored: 0, timeout: 0 },
      status: { '2xx': 4446, '3xx': 0, '4xx': 0, '5xx': 0 },
      dataBytes: 88920,
    });
  });

  it('converts a run shorter than a second to seconds', () => {
    const short = OUTPUT.replace('finished in 2.01s, 2219.50 req/s', 'finished in 500.25ms, 10.00 req/s');
    expect(parseH2loadOutput(short).elapsedS).toBeCloseTo(0.50025, 6);
  });

  it('names the line it could not find', () => {
    expect(() => parseH2loadOutput(OUTPUT.replace(/^traffic:.*$/m, ''))).toThrow('no traffic line');
    expect(() => parseH2loadOutput('connect: Connection refused\n')).toThrow('no finished line');
  });
});

describe('parseH2loadLog', () => {
  it('keeps the duration of HTTP 200 records and counts the others', () => {
    const log = '1795515842779661\t200\t135569\n1795515842779665\t-1\t99\n1795515842779666\t200\t812\n';
    expect(parseH2loadLog(log)).toEqual({ latenciesUs: [135569, 812], otherStatus: 1 });
  });

  it('accepts an empty log', () => {
    expect(parseH2loadLog('')).toEqual({ latenciesUs: [], otherStatus: 0 });
  });

  it('refuses lines that are not three tab-separated columns', () => {
    expect(() => parseH2loadLog('1795515842779661 200 135569\n')).toThrow('not "start<TAB>status<TAB>microseconds"');
    expect(() => parseH2loadLog('1\t200\tabc\n')).toThrow('abc');
  });
});
