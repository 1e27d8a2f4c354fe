import { ConfigError } from '@protomesh/runtime';
import { plannedLoadMs, readBenchOptions } from './bench-options.js';

describe('readBenchOptions', () => {
  it('defaults to 8 connections × 1, 10, 100 streams, 5s after 1s warm-up, within about two minutes', () => {
    expect(readBenchOptions([], {}, 3)).toEqual({
      connections: 8,
      streams: [1, 10, 100],
      durationMs: 5_000,
      warmupMs: 1_000,
      timeoutMs: 9 * 6_000 + 60_000,
    });
  });

  it('reads the environment, and flags over it', () => {
    const env = { BENCH_CONNECTIONS: '4', BENCH_STREAMS: '2,20', BENCH_DURATION: '3s', BENCH_WARMUP: '0s' };
    expect(readBenchOptions([], env, 3)).toMatchObject({
      connections: 4,
      streams: [2, 20],
      durationMs: 3_000,
      warmupMs: 0,
    });
    const options = readBenchOptions(['--streams', '50', '--duration=10s', '--timeout', '5m'], env, 3);
    expect(options).toMatchObject({ connections: 4, streams: [50], durationMs: 10_000, timeoutMs: 300_000 });
  });

  it('derives the default time limit from the plan', () => {
    const options = readBenchOptions(['--streams', '1', '--duration', '2s', '--warmup', '500ms'], {}, 3);
    expect(options).toMatchObject({ timeoutMs: 3 * 2_500 + 60_000 });
    expect(plannedLoadMs({ connections: 8, streams: [1, 10], durationMs: 2_000, warmupMs: 500 }, 3)).toBe(15_000);
  });

  it('names the flag or variable that is wrong', () => {
    expect(() => readBenchOptions(['--streams', '1,x'], {}, 3)).toThrow(
      '--streams: expected a comma-separated list of integers from 1 to 1000 such as 1,10,100, got "1,x"',
    );
    expect(() => readBenchOptions([], { BENCH_STREAMS: '0' }, 3)).toThrow(/^BENCH_STREAMS: /);
    expect(() => readBenchOptions(['--duration', '5'], {}, 3)).toThrow(/^--duration: expected a duration/);
    expect(() => readBenchOptions([], { BENCH_CONNECTIONS: '0' }, 3)).toThrow(/^BENCH_CONNECTIONS: /);
  });

  it('refuses unknown flags and stray arguments as a config error', () => {
    expect(() => readBenchOptions(['--conections', '8'], {}, 3)).toThrow(ConfigError);
    expect(() => readBenchOptions(['8'], {}, 3)).toThrow(/^arguments: expected \[--connections N\]/);
  });

  it('answers --help', () => {
    expect(readBenchOptions(['--help'], {}, 3)).toBe('help');
  });
});
