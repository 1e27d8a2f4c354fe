import { ConfigError } from '@protomesh/runtime';
import { plannedLoadMs, readBenchOptions } from './options.js';

describe('readBenchOptions', () => {
  it('defaults to 8 connections × 10 and 100 streams, 3 rounds of 3s after 1s of warm-up, within the planned time + 60s a round', () => {
    expect(readBenchOptions([], {}, 4)).toEqual({
      connections: 8,
      streams: [10, 100],
      durationMs: 3_000,
      rounds: 3,
      warmupMs: 1_000,
      timeoutMs: 4 * (3 * 2 * (1_000 + 3_000) + 3_000) + 3 * 60_000,
    });
  });

  it('reads the environment, and flags over it', () => {
    const env = {
      BENCH_CONNECTIONS: '4',
      BENCH_STREAMS: '2,20',
      BENCH_DURATION: '2s',
      BENCH_ROUNDS: '5',
      BENCH_WARMUP: '0s',
    };
    expect(readBenchOptions([], env, 4)).toMatchObject({
      connections: 4,
      streams: [2, 20],
      durationMs: 2_000,
      rounds: 5,
      warmupMs: 0,
    });
    const options = readBenchOptions(['--streams', '50', '--duration=10s', '--rounds', '1', '--timeout', '5m'], env, 4);
    expect(options).toMatchObject({ connections: 4, streams: [50], durationMs: 10_000, rounds: 1, timeoutMs: 300_000 });
  });

  it('derives the default time limit from the plan', () => {
    const load = { connections: 8, streams: [1, 10], durationMs: 2_000, rounds: 2, warmupMs: 500 };
    expect(plannedLoadMs(load, 3)).toBe(3 * (2 * 2 * (500 + 2_000) + 2_000));
    const argv = ['--streams', '1,10', '--duration', '2s', '--rounds', '2', '--warmup', '500ms'];
    expect(readBenchOptions(argv, {}, 3)).toMatchObject({ timeoutMs: 36_000 + 2 * 60_000 });
  });

  it('names the flag or variable that is wrong', () => {
    expect(() => readBenchOptions(['--streams', '1,x'], {}, 4)).toThrow(
      '--streams: expected a comma-separated list of integers from 1 to 1000 such as 10,100, got "1,x"',
    );
    expect(() => readBenchOptions([], { BENCH_STREAMS: '0' }, 4)).toThrow(/^BENCH_STREAMS: /);
    expect(() => readBenchOptions(['--duration', '5'], {}, 4)).toThrow(/^--duration: expected a duration/);
    expect(() => readBenchOptions([], { BENCH_CONNECTIONS: '0' }, 4)).toThrow(/^BENCH_CONNECTIONS: /);
    expect(() => readBenchOptions(['--rounds', '0'], {}, 4)).toThrow(/^--rounds: /);
    expect(() => readBenchOptions([], { BENCH_ROUNDS: '2.5' }, 4)).toThrow(/^BENCH_ROUNDS: /);
    expect(() => readBenchOptions([], { BENCH_TIMEOUT: '1s' }, 4)).toThrow(/^BENCH_TIMEOUT: /);
    expect(() => readBenchOptions(['--warmup', '2m'], { BENCH_WARMUP: 'x' }, 4)).toThrow(/^--warmup: /);
  });

  it('refuses unknown flags and stray arguments as a config error listing the flags', () => {
    expect(() => readBenchOptions(['--conections', '8'], {}, 4)).toThrow(ConfigError);
    expect(() => readBenchOptions(['8'], {}, 4)).toThrow(/^arguments: expected \[--connections 8\] \[--streams/);
  });
});
