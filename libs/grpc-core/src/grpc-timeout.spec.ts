import { formatGrpcTimeout, parseGrpcTimeout } from './grpc-timeout.js';

describe('parseGrpcTimeout', () => {
  it.each([
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['5S', 5_000],
    ['250m', 250],
    ['1500u', 1.5],
    ['2000000n', 2],
    ['99999999m', 99_999_999],
    ['0m', 0],
  ])('reads %s as %d ms', (value, ms) => {
    expect(parseGrpcTimeout(value)).toBeCloseTo(ms, 9);
  });

  // The spec allows at most 8 digits and exactly one of the six units.
  it.each([null, '', '100', 'm', '123456789m', '10s', '10ms', '-5m', '1.5S', ' 5S', '5S ', '5X'])(
    'rejects %j',
    (value) => {
      expect(parseGrpcTimeout(value)).toBeUndefined();
    },
  );
});

describe('formatGrpcTimeout', () => {
  it.each([
    [250, '250m'],
    [0.2, '1m'],
    [0, '1m'],
    [-30, '1m'],
    [1_000.1, '1001m'],
  ])('formats %d ms as %s', (ms, value) => {
    expect(formatGrpcTimeout(ms)).toBe(value);
  });

  it('round-trips whole milliseconds through the parser', () => {
    for (const ms of [1, 42, 5_000, 99_999_999]) {
      expect(parseGrpcTimeout(formatGrpcTimeout(ms))).toBe(ms);
    }
  });
});
