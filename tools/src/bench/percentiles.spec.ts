import { percentile, summarizeLatencies } from './percentiles.js';

describe('percentile', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('returns an observed value even for tiny percentiles', () => {
    expect(percentile([5, 6], 0.001)).toBe(5);
  });

  it('refuses no values and percentiles out of range', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically, not as text', () => {
    const values = [900, 80, 7000, 60, 5, 40000, 3, 200, 1, 10];
    expect(summarizeLatencies(values)).toEqual({ p50Us: 60, p99Us: 40000 });
    expect(summarizeLatencies([])).toEqual({});
  });

  it('puts a slow tail in p99 but not in p50', () => {
    const values = [...Array.from({ length: 980 }, () => 100), ...Array.from({ length: 20 }, () => 50_000)];
    const summary = summarizeLatencies(values.reverse());
    expect(summary.p50Us).toBe(100);
    expect(summary.p99Us).toBe(50_000);
  });
});
