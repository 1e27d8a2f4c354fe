import { DURATION_PATTERN, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['0s', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '2', 's', '-1s', '1d', '1 s', '1s2', '.5s', '1e3ms', '10S'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('exposes the pattern the Helm schema uses', () => {
    expect(new RegExp(DURATION_PATTERN).test('10s')).toBe(true);
    expect(new RegExp(DURATION_PATTERN).test('10')).toBe(false);
  });
});
