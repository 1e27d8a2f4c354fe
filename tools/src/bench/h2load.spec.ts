import { fromBinary } from '@bufbuild/protobuf';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';
import { parseH2loadLog, parseH2loadOutput, REQUEST_FRAME, RESPONSE_FRAME } from './h2load.js';

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
      rps: 2219.5,
      started: 4447,
      done: 4439,
      failures: 0,
      ok2xx: 4446,
      nonOk: 0,
      dataBytes: 88920,
    });
    const bad = OUTPUT.replace('4446 2xx, 0 3xx, 0 4xx, 0 5xx', '4440 2xx, 1 3xx, 2 4xx, 3 5xx').replace(
      '0 failed, 0 errored, 0 timeout',
      '1 failed, 2 errored, 3 timeout',
    );
    expect(parseH2loadOutput(bad)).toMatchObject({ ok2xx: 4440, nonOk: 6, failures: 6 });
  });

  it('reads the rate of a run shorter than a second', () => {
    const short = OUTPUT.replace('finished in 2.01s, 2219.50 req/s', 'finished in 500.25ms, 10.00 req/s');
    expect(parseH2loadOutput(short).rps).toBe(10);
  });

  it('names the line it could not find', () => {
    expect(() => parseH2loadOutput(OUTPUT.replace(/^traffic:.*$/m, ''))).toThrow('no traffic line');
    expect(() => parseH2loadOutput('connect: Connection refused\n')).toThrow('no finished line');
  });
});

describe('parseH2loadLog', () => {
  it('keeps the duration of HTTP 200 records and counts the others', () => {
    const log = '1795515842779661\t200\t135569\n1795515842779665\t-1\t99\n1795515842779666\t200\t812\n';
    expect(parseH2loadLog(log)).toEqual({ latenciesUs: [135569, 812], otherRecords: 1 });
  });

  it('accepts an empty log', () => {
    expect(parseH2loadLog('')).toEqual({ latenciesUs: [], otherRecords: 0 });
  });

  it('refuses lines that are not three tab-separated columns', () => {
    expect(() => parseH2loadLog('1795515842779661 200 135569\n')).toThrow('not "start<TAB>status<TAB>microseconds"');
    expect(() => parseH2loadLog('1\t200\tabc\n')).toThrow('abc');
  });
});

describe('SayHello frames', () => {
  it('carry the request name after the 5-byte prefix, and the greeting every server must answer with', () => {
    expect([...REQUEST_FRAME.subarray(0, 5)]).toEqual([0, 0, 0, 0, REQUEST_FRAME.length - 5]);
    expect(fromBinary(SayHelloRequestSchema, REQUEST_FRAME.subarray(5)).name).toBe('bench');
    expect(fromBinary(SayHelloResponseSchema, RESPONSE_FRAME.subarray(5)).message).toBe('Hello, bench!');
    // Prefix, tag and length, 13 bytes of greeting: what h2load's DATA bytes are checked against.
    expect(RESPONSE_FRAME.length).toBe(20);
  });
});
