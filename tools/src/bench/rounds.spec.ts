import type { Window } from './measure.js';
import { combineWindows } from './rounds.js';

function window(rps: number, seconds: number, latenciesUs: number[], extra: Partial<Window> = {}): Window {
  const calls = rps * seconds;
  return {
    server: 'fast',
    load: 'h2load 8 × 10',
    rps,
    calls,
    seconds,
    latenciesUs,
    p50Us: latenciesUs[0],
    p99Us: latenciesUs.at(-1),
    processUs: calls * 40,
    othersPercent: 10,
    problems: [],
    ...extra,
  };
}

describe('combineWindows', () => {
  it('counts every call over the time of all windows, pools the latencies and sums the CPU', () => {
    const slow = window(
      1_000,
      3,
      Array.from({ length: 99 }, () => 500),
      { processUs: 3_000 * 60, othersPercent: 40 },
    );
    const quick = window(3_000, 3, [100, 200], { othersPercent: 0 });
    const figure = combineWindows([slow, quick]);
    // Not the mean of 1,000 and 3,000 req/s weighted by windows (2,000): the calls over the time.
    expect(figure).toEqual({
      server: 'fast',
      load: 'h2load 8 × 10',
      rps: 12_000 / 6,
      p50Us: 500,
      p99Us: 500,
      cpuUsPerCall: (3_000 * 60 + 9_000 * 40) / 12_000,
      othersPercent: 20,
      problems: [],
    });
    expect(combineWindows([quick, window(3_000, 3, [300, 400])])).toMatchObject({ p50Us: 200, p99Us: 400 });
  });

  it('keeps the percentiles of a single window, where the tool gave no latencies (ghz)', () => {
    const ghz = window(2_000, 3, [], { latenciesUs: undefined, p50Us: 1_234, p99Us: 5_678 });
    expect(combineWindows([ghz])).toMatchObject({ rps: 2_000, p50Us: 1_234, p99Us: 5_678, cpuUsPerCall: 40 });
  });

  it('lets a problem in any round spoil the figure, naming the round', () => {
    const broken = window(0, 0, [], { calls: 0, processUs: undefined, problems: ['no request completed'] });
    const figure = combineWindows([window(1_000, 3, [100]), broken]);
    expect(figure.problems).toEqual(['round 2: no request completed']);
    expect(figure).toMatchObject({ rps: 1_000, cpuUsPerCall: undefined });
    expect(combineWindows([broken]).problems).toEqual(['no request completed']);
    expect(() => combineWindows([])).toThrow(RangeError);
  });
});
